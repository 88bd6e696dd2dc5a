/**
 * Checks one OSV record before it enters the feed store. A record that
 * cannot be matched safely is refused as a whole (ADVISORY_INVALID); a record
 * with a part we cannot use (an unknown range type) is kept and the problem is
 * returned as a warning, since the matcher ignores that part.
 *
 * @example
 *   const { record, warnings } = validateOsvRecord(JSON.parse(text), 'npm/all.zip:GHSA-xxxx.json');
 */
import { StellaError } from '../../errors.js';
import type { OsvRecord } from '../../model/osv.js';

/** Longest version string we accept; real ones are far shorter. */
export const MAX_VERSION_LENGTH = 256;
/** Longest id, alias or package name we accept. */
const MAX_NAME_LENGTH = 1024;
const KNOWN_RANGE_TYPES = new Set(['SEMVER', 'ECOSYSTEM', 'GIT']);

export interface ValidatedRecord {
  record: OsvRecord;
  warnings: string[];
}

export function validateOsvRecord(value: unknown, source: string): ValidatedRecord {
  const fail = (problem: string): never => {
    throw new StellaError('ADVISORY_INVALID', `${source}: ${problem}`);
  };
  if (!isObject(value)) return fail('not an OSV record (expected a JSON object)');
  const id = value['id'];
  if (typeof id !== 'string' || id === '' || id.length > MAX_NAME_LENGTH || /[\s/\\]/.test(id)) {
    return fail('missing or invalid "id"');
  }
  const modified = value['modified'];
  if (typeof modified !== 'string' || Number.isNaN(Date.parse(modified))) {
    return fail(`${id}: missing or invalid "modified" timestamp`);
  }
  checkStringList(value['aliases'], `${id}: "aliases"`, fail);
  const warnings: string[] = [];
  const affected = value['affected'];
  if (affected !== undefined) {
    if (!Array.isArray(affected)) return fail(`${id}: "affected" is not a list`);
    affected.forEach((entry: unknown, index) => checkAffected(entry, `${id}: affected[${index}]`, fail, warnings));
  }
  return { record: value as unknown as OsvRecord, warnings };
}

function checkAffected(entry: unknown, where: string, fail: (problem: string) => never, warnings: string[]): void {
  if (!isObject(entry)) fail(`${where} is not an object`);
  const affected = entry as Record<string, unknown>;
  const pkg = affected['package'];
  if (pkg !== undefined) {
    if (!isObject(pkg)) fail(`${where}.package is not an object`);
    const { ecosystem, name } = pkg as Record<string, unknown>;
    if (typeof ecosystem !== 'string' || typeof name !== 'string' || name.length > MAX_NAME_LENGTH) {
      fail(`${where}.package needs string "ecosystem" and "name"`);
    }
  }
  checkStringList(affected['versions'], `${where}.versions`, fail, MAX_VERSION_LENGTH);
  const ranges = affected['ranges'];
  if (ranges === undefined) return;
  if (!Array.isArray(ranges)) fail(`${where}.ranges is not a list`);
  (ranges as unknown[]).forEach((range, index) => {
    if (!isObject(range)) fail(`${where}.ranges[${index}] is not an object`);
    const { type, events } = range as Record<string, unknown>;
    if (typeof type !== 'string') fail(`${where}.ranges[${index}] has no "type"`);
    if (!Array.isArray(events)) fail(`${where}.ranges[${index}] has no "events" list`);
    if (!KNOWN_RANGE_TYPES.has(type as string)) {
      warnings.push(`${where}.ranges[${index}]: unknown range type "${String(type)}" ignored`);
    }
    for (const event of events as unknown[]) {
      if (!isObject(event)) fail(`${where}.ranges[${index}] has an event that is not an object`);
      for (const [kind, version] of Object.entries(event as Record<string, unknown>)) {
        if (typeof version !== 'string') fail(`${where}.ranges[${index}].${kind} is not a string`);
        if ((version as string).length > MAX_VERSION_LENGTH) {
          fail(`${where}.ranges[${index}].${kind} is ${(version as string).length} characters long (limit ${MAX_VERSION_LENGTH})`);
        }
      }
    }
  });
}

function checkStringList(value: unknown, where: string, fail: (problem: string) => never, maxLength = MAX_NAME_LENGTH): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) fail(`${where} is not a list`);
  for (const item of value as unknown[]) {
    if (typeof item !== 'string') fail(`${where} holds a non-string`);
    if ((item as string).length > maxLength) fail(`${where} holds a string of ${(item as string).length} characters (limit ${maxLength})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
