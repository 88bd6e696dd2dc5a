/**
 * Checking what clients send: the body of `POST /v1/scans`, the `wait` of
 * `GET /v1/scans/:id` and the query of `GET /v1/findings`. Every refusal is a 400 problem naming the field.
 *
 * @example const { target, commit } = parseScanRequest(await c.req.text());
 */
import { SEVERITY_ORDER, type SeverityLevel } from '../../core/model/severity.js';
import { invalidField } from './problem.js';

/** A scan request as accepted. */
export interface ScanRequest {
  target: string;
  commit: boolean;
  name?: string;
}

/** Largest body accepted for a scan request. */
export const MAX_SCAN_BODY = 16 * 1024;

/** Parses and checks a scan request body (JSON: target, commit, optional name). */
export function parseScanRequest(text: string): ScanRequest {
  if (text.length > MAX_SCAN_BODY) throw invalidField('body', `${text.length} bytes is over the ${MAX_SCAN_BODY}-byte limit`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidField('body', 'not valid JSON; send {"target": "<path or registry://…>", "commit": true|false}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidField('body', 'expected a JSON object with "target" and "commit"');
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key !== 'target' && key !== 'commit' && key !== 'name') throw invalidField(key, 'unknown field (known: target, commit, name)');
  }
  const { target, commit, name } = fields;
  if (typeof target !== 'string' || target.trim() === '') throw invalidField('target', 'required: a path on this node or a registry:// reference');
  if (target.length > 4096 || target.includes('\0')) throw invalidField('target', 'not a usable path or reference');
  if (commit !== undefined && typeof commit !== 'boolean') throw invalidField('commit', 'must be true or false');
  if (name !== undefined && (typeof name !== 'string' || !/^[^\0/\\]{1,128}$/.test(name))) throw invalidField('name', "a name of 1–128 characters without '/', '\\' or NUL");
  return { target, commit: commit === true, ...(typeof name === 'string' ? { name } : {}) };
}

/** Longest `GET /v1/scans/:id?wait=` honoured, in milliseconds: under the usual 60 s idle timeouts of proxies. */
export const MAX_WAIT_MS = 30_000;

/** The `wait` of `GET /v1/scans/:id`: milliseconds to hold the answer until the scan ends (0 when absent). */
export function parseWait(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,6}$/.test(value) || Number(value) > MAX_WAIT_MS) throw invalidField('wait', `milliseconds from 0 to ${MAX_WAIT_MS}`);
  return Number(value);
}

/** The `severity` filter: comma-separated levels, case-insensitive. */
export function parseSeverityFilter(value: string | undefined): Set<SeverityLevel> | undefined {
  if (value === undefined || value === '') return undefined;
  const levels = value.split(',').map((level) => level.trim().toUpperCase());
  for (const level of levels) {
    if (!SEVERITY_ORDER.includes(level as SeverityLevel)) throw invalidField('severity', `unknown level '${level}' (use ${[...SEVERITY_ORDER].reverse().join(', ')})`);
  }
  return new Set(levels as SeverityLevel[]);
}
