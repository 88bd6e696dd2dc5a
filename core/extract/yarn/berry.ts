/**
 * Reader for yarn berry (v2 and later) lockfiles: YAML whose top-level keys
 * are comma-separated descriptor lists (`"debug@npm:^4.1.0, debug@npm:^4.3.1"`)
 * plus `__metadata`; each entry carries `version` and `resolution` (the
 * locator: the real package for aliases, `workspace:` for workspaces).
 * The YAML parser is loaded on the first berry lockfile (see ../parsers.ts).
 *
 * @example
 *   (await parseBerry('yarn.lock', text)).entries[0];
 *   // { descriptors: ['debug@npm:^4.1.0'], version: '4.3.3', resolution: 'debug@npm:4.3.3', where: '"debug@npm:^4.1.0"' }
 */
import { StellaError, describeError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import { loadYaml } from '../parsers.js';

/**
 * One berry entry, reduced to what names a package.
 *
 * @example
 *   const entry: BerryEntry = { descriptors: ['a@npm:^1.0.0'], version: '1.2.0', resolution: 'a@npm:1.2.0', where: '"a@npm:^1.0.0"' };
 */
export interface BerryEntry {
  descriptors: string[];
  version: string | undefined;
  resolution: string | undefined;
  /** The entry's key, quoted, for warnings. */
  where: string;
}

/**
 * errors.ts has no lockfile code; JSON_INVALID is the "structured document
 * cannot be read" code the npm extractors use, and YAML here carries JSON data.
 */
const YAML_INVALID: StellaErrorCode = 'JSON_INVALID';

/** Alias expansion is the YAML billion-laughs vector; lockfiles use no aliases at all. */
const MAX_ALIAS_COUNT = 100;

/**
 * True when `text` is a berry lockfile: berry always writes `__metadata`,
 * v1 never does.
 *
 * @example
 *   isBerryLockfile('__metadata:\n  version: 8\n'); // true
 */
export function isBerryLockfile(text: string): boolean {
  return /^__metadata:/m.test(text);
}

/**
 * Parses a berry lockfile. Throws a StellaError naming `path` when the text
 * is not YAML or not a mapping; entries that are not mappings become problems.
 *
 * @example
 *   await parseBerry('yarn.lock', '__metadata:\n  version: 8\n'); // { entries: [], problems: [] }
 */
export async function parseBerry(path: string, text: string): Promise<{ entries: BerryEntry[]; problems: string[] }> {
  const doc = parseYaml(path, text, await loadYaml(path));
  const entries: BerryEntry[] = [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (key === '__metadata') continue;
    const where = JSON.stringify(key);
    if (!isRecord(value)) {
      problems.push(`${where} is not a mapping; skipped`);
      continue;
    }
    const descriptors = key
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== '');
    entries.push({ descriptors, version: stringField(value['version']), resolution: stringField(value['resolution']), where });
  }
  return { entries, problems };
}

function parseYaml(path: string, text: string, { parseDocument }: typeof import('yaml')): Record<string, unknown> {
  let value: unknown;
  try {
    // failsafe: every scalar stays a string, so `version: 1.10` is not read as the number 1.1.
    // uniqueKeys off: its check is quadratic in the number of keys, and lockfiles hold tens of thousands.
    const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: false, logLevel: 'silent' });
    const first = doc.errors[0];
    if (first !== undefined) throw first;
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new StellaError(YAML_INVALID, `${path}: not valid YAML (${describeError(error)})`, { cause: error });
  }
  if (value === null || value === undefined) return {};
  if (!isRecord(value)) throw new StellaError(YAML_INVALID, `${path}: expected a YAML mapping at the top level`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
