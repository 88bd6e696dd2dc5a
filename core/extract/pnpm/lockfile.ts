/**
 * The `pnpm-lockfile` extractor: packages locked by pnpm, lockfile v5, v6 and v9.
 *
 * Files: `pnpm-lock.yaml` at any depth of the target but never inside an
 * installed package (`…/node_modules/…`), and pnpm's record of what it
 * installed, `node_modules/.pnpm/lock.yaml`, in a project's own node_modules.
 *
 * Each `packages` key is a dependency path (see `dep-path.ts`); the package
 * is the entry's `name` and `version` fields where pnpm wrote them (git,
 * tarball and `file:` dependencies), else the name and version in the key,
 * peer suffix removed. A key that yields neither is a warning and the rest
 * of the file is read. One package is reported per name and version.
 *
 * Groups: v5 and v6 mark entries `dev: true` and `optional: true`; v9 keeps
 * only `optional` (on snapshots), so dev-only is worked out from the
 * importers' dependency graph (see `groups-v9.ts`).
 *
 * The YAML parser is loaded when the first lockfile is parsed (see
 * ../parsers.ts), so `extract` returns a Promise.
 *
 * @example
 *   const { packages } = await pnpmLockfileExtractor.extract({ path: 'pnpm-lock.yaml', contents });
 *   // [{ type: 'npm', name: 'acorn', version: '8.11.3', sourceFile: 'pnpm-lock.yaml', evidence: 'lockfile' }]
 */
import { prefixAndCapWarnings } from '../warnings.js';
import { StellaError, describeError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { loadYaml } from '../parsers.js';
import { parseDepPath, withoutPeers } from './dep-path.js';
import { devOnlyPackages } from './groups-v9.js';

/**
 * Monorepo lockfiles reach tens of MiB; they are parsed as YAML, so stay well short of npm's 128 MiB.
 *
 * @example
 *   pnpmLockfileExtractor.maxFileSize === PNPM_LOCKFILE_MAX_FILE_SIZE; // true
 */
export const PNPM_LOCKFILE_MAX_FILE_SIZE = 64 * 1024 * 1024;

const MAX_ALIAS_COUNT = 100;
const HIDDEN_LOCKFILE = 'node_modules/.pnpm/lock.yaml';
const LOCKFILE_VERSION_LINE = /^['"]?lockfileVersion['"]?[ \t]*:/m;
/** Lines that hold no data: blank, comments, YAML document markers. */
const NOTHING_LINE = /^\s*(?:#.*|---|\.\.\.)?\s*$/;

/**
 * errors.ts has no lockfile code; JSON_INVALID is the "structured document
 * cannot be read" code the npm extractors use, and YAML here carries JSON data.
 */
const YAML_INVALID: StellaErrorCode = 'JSON_INVALID';

type Mapping = Record<string, unknown>;

/**
 * True for `pnpm-lock.yaml` outside node_modules and for a project's `node_modules/.pnpm/lock.yaml`.
 *
 * @example
 *   isPnpmLockfile('app/pnpm-lock.yaml');                 // true
 *   isPnpmLockfile('app/node_modules/.pnpm/lock.yaml');   // true
 *   isPnpmLockfile('app/node_modules/x/pnpm-lock.yaml');  // false
 */
export function isPnpmLockfile(path: string): boolean {
  if (path === 'pnpm-lock.yaml' || path.endsWith('/pnpm-lock.yaml')) return !inNodeModules(path);
  if (path === HIDDEN_LOCKFILE || path.endsWith(`/${HIDDEN_LOCKFILE}`)) return !inNodeModules(path.slice(0, -HIDDEN_LOCKFILE.length));
  return false;
}

/**
 * The pnpm lockfile extractor; see the module comment.
 *
 * @example
 *   pnpmLockfileExtractor.fileRequired('pnpm-lock.yaml'); // true
 */
export const pnpmLockfileExtractor: Extractor<Promise<ExtractResult>> = {
  name: 'pnpm-lockfile',
  maxFileSize: PNPM_LOCKFILE_MAX_FILE_SIZE,
  fileRequired: isPnpmLockfile,
  extract: extractPnpmLock,
};

interface Flags {
  dev: boolean;
  optional: boolean;
}

async function extractPnpmLock({ path, contents }: ExtractInput): Promise<ExtractResult> {
  const doc = await parseLockfile(path, contents);
  const major = lockfileMajor(doc['lockfileVersion']);
  const packages = asMapping(doc['packages']) ?? {};
  const flagsOf = major >= 9 ? v9Flags(doc) : v5Flags;
  const warnings: string[] = [];
  const found = new Map<string, ExtractedPackage>();
  for (const [key, value] of Object.entries(packages)) {
    const entry = asMapping(value) ?? {};
    const parsed = parseDepPath(key, major);
    const name = nonEmptyString(entry['name']) ?? parsed.name;
    const version = nonEmptyString(entry['version']) ?? parsed.version;
    if (name === undefined || version === undefined) {
      const missing = [name === undefined ? 'name' : '', version === undefined ? 'version' : ''].filter((m) => m !== '').join(' and ');
      warnings.push(`${JSON.stringify(key)}: no package ${missing} in the entry or its dependency path; skipped`);
      continue;
    }
    add(found, { type: 'npm', name, version, sourceFile: path, evidence: 'lockfile' }, flagsOf(key, entry));
  }
  const result: ExtractResult = { packages: [...found.values()] };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

/** v5 and v6 record the groups on each entry. */
function v5Flags(_key: string, entry: Mapping): Flags {
  return { dev: entry['dev'] === 'true', optional: entry['optional'] === 'true' };
}

/** v9: optional from the snapshots (all of a package's peer variants), dev-only from the graph. */
function v9Flags(doc: Mapping): (key: string, entry: Mapping) => Flags {
  const devOnly = devOnlyPackages(doc);
  const optionalByBase = new Map<string, boolean>();
  for (const [key, value] of Object.entries(asMapping(doc['snapshots']) ?? {})) {
    const base = withoutPeers(key);
    const optional = asMapping(value)?.['optional'] === 'true';
    optionalByBase.set(base, (optionalByBase.get(base) ?? true) && optional);
  }
  return (key) => ({ dev: devOnly.has(key), optional: optionalByBase.get(key) ?? false });
}

/** One package per name and version; a group flag holds only when every occurrence has it. */
function add(found: Map<string, ExtractedPackage>, pkg: ExtractedPackage, flags: Flags): void {
  const id = `${pkg.name}\u0000${pkg.version}`;
  const seen = found.get(id);
  if (seen === undefined) {
    if (flags.dev) pkg.dev = true;
    if (flags.optional) pkg.optional = true;
    found.set(id, pkg);
    return;
  }
  if (!flags.dev) delete seen.dev;
  if (!flags.optional) delete seen.optional;
}

/**
 * The lockfile document. pnpm 10 may put its environment lockfile first in
 * the same file, as a separate YAML document; the project's lockfile is the last.
 * Everything before the first await reads `contents`; the parser is loaded
 * only for a file that has a chance of being a lockfile.
 */
async function parseLockfile(path: string, contents: Uint8Array): Promise<Mapping> {
  const text = new TextDecoder().decode(contents);
  // pnpm writes lockfileVersion first in every lockfile. Checking for it before parsing turns junk away
  // at once: the YAML parser takes seconds per MiB on text that is not YAML.
  if (!LOCKFILE_VERSION_LINE.test(text)) {
    if (text.split('\n').every((line) => NOTHING_LINE.test(line))) return {};
    throw new StellaError(YAML_INVALID, `${path}: not a pnpm lockfile (no lockfileVersion)`);
  }
  const { parseAllDocuments } = await loadYaml(path);
  let value: unknown;
  try {
    // failsafe: scalars stay strings (`lockfileVersion: 5.10` is not 5.1). uniqueKeys off: its check is quadratic.
    const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, logLevel: 'silent' });
    const all = Array.isArray(docs) ? docs : [];
    for (const doc of all) {
      const first = doc.errors[0];
      if (first !== undefined) throw first;
    }
    value = all.at(-1)?.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? null;
  } catch (error) {
    throw new StellaError(YAML_INVALID, `${path}: not valid YAML (${describeError(error)})`, { cause: error });
  }
  if (value === null || value === undefined) return {};
  const doc = asMapping(value);
  if (doc === undefined) throw new StellaError(YAML_INVALID, `${path}: expected a YAML mapping at the top level`);
  return doc;
}

/** `'9.0'` → 9, `5.3` → 5. A file without one is read as the current format. */
function lockfileMajor(value: unknown): number {
  const major = typeof value === 'string' ? Number.parseInt(value, 10) : Number.NaN;
  return Number.isFinite(major) ? major : 9;
}

function inNodeModules(path: string): boolean {
  return path.startsWith('node_modules/') || path.includes('/node_modules/');
}

function asMapping(value: unknown): Mapping | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Mapping) : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

