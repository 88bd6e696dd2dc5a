/**
 * The `yarn-lockfile` extractor: packages locked by yarn, v1 and berry (v2+).
 *
 * Files: `yarn.lock` at any depth of the target but never inside an
 * installed package (`…/node_modules/…`): lockfiles shipped by a package's
 * author are not what was installed.
 *
 * Formats (told apart by berry's `__metadata` entry):
 * - v1: yarn's own indentation format; see `v1.ts`. The name comes from the
 *   entry's first descriptor (the real package for an `alias@npm:real@…`
 *   alias), the version from its `version` field.
 * - berry: YAML; see `berry.ts`. The name comes from `resolution` (which
 *   names the real package for aliases), else from the first descriptor.
 *   The project root (`…@workspace:.`) is not a dependency and is skipped;
 *   other workspaces are reported with the version yarn records
 *   (`0.0.0-use.local`), as the osv-scalibr peer does.
 *
 * Git, tarball, `file:` and `link:` entries are reported with the version
 * yarn recorded from their package.json. An entry without a version is a
 * warning. One package is reported per name and version (berry lists a
 * patched package beside the original under the same version).
 *
 * `extract` returns a Promise, since berry's YAML parser is loaded on the
 * first berry lockfile; v1 lockfiles never load it.
 *
 * @example
 *   const { packages } = await yarnLockfileExtractor.extract({ path: 'app/yarn.lock', contents });
 *   // [{ type: 'npm', name: 'balanced-match', version: '1.0.2', sourceFile: 'app/yarn.lock', evidence: 'lockfile' }]
 */
import { prefixAndCapWarnings } from '../warnings.js';
import { StellaError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { isBerryLockfile, parseBerry } from './berry.js';
import { packageNameOf, splitDescriptor } from './descriptor.js';
import { parseYarnV1 } from './v1.js';

/**
 * Monorepo yarn.lock files reach tens of MiB; berry's are parsed as YAML, so stay well short of npm's 128 MiB.
 *
 * @example
 *   yarnLockfileExtractor.maxFileSize === YARN_LOCKFILE_MAX_FILE_SIZE; // true
 */
export const YARN_LOCKFILE_MAX_FILE_SIZE = 64 * 1024 * 1024;


/** A text lockfile with NUL bytes is binary data, not a damaged lockfile worth reading line by line. */
const TEXT_INVALID: StellaErrorCode = 'JSON_INVALID';

/**
 * True for a `yarn.lock` outside any node_modules folder.
 *
 * @example
 *   isYarnLockfile('app/yarn.lock');                  // true
 *   isYarnLockfile('app/node_modules/x/yarn.lock');   // false
 */
export function isYarnLockfile(path: string): boolean {
  if (path !== 'yarn.lock' && !path.endsWith('/yarn.lock')) return false;
  return !path.startsWith('node_modules/') && !path.includes('/node_modules/');
}

/**
 * The yarn lockfile extractor; see the module comment.
 *
 * @example
 *   yarnLockfileExtractor.fileRequired('yarn.lock'); // true
 */
export const yarnLockfileExtractor: Extractor<Promise<ExtractResult>> = {
  name: 'yarn-lockfile',
  maxFileSize: YARN_LOCKFILE_MAX_FILE_SIZE,
  fileRequired: isYarnLockfile,
  extract: extractYarnLock,
};

/** What both formats reduce to before packages are made. */
interface Locked {
  name: string;
  version: string | undefined;
  where: string;
}

async function extractYarnLock({ path, contents }: ExtractInput): Promise<ExtractResult> {
  // Decoded before the first await: the caller may reuse `contents` once extract returns.
  const text = decodeText(path, contents);
  const { locked, problems } = isBerryLockfile(text) ? await readBerry(path, text) : readV1(path, text);
  const warnings = [...problems];
  const packages = new Map<string, ExtractedPackage>();
  for (const { name, version, where } of locked) {
    if (version === undefined) {
      warnings.push(`${where}: no version; skipped`);
      continue;
    }
    const key = `${name}\u0000${version}`;
    if (!packages.has(key)) packages.set(key, { type: 'npm', name, version, sourceFile: path, evidence: 'lockfile' });
  }
  const result: ExtractResult = { packages: [...packages.values()] };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

function readV1(path: string, text: string): { locked: Locked[]; problems: string[] } {
  const { entries, problems } = parseYarnV1(text);
  // Lines were there but none was an entry: this is not a yarn.lock that lost a few lines.
  if (entries.length === 0 && problems.length > 0) {
    throw new StellaError(TEXT_INVALID, `${path}: not a yarn lockfile (${problems[0] ?? ''})`);
  }
  const locked = entries.map((entry) => ({
    name: packageNameOf(entry.descriptors[0] ?? ''),
    version: nonEmpty(entry.fields.get('version')),
    where: `line ${entry.line} (${JSON.stringify(entry.descriptors[0] ?? '')})`,
  }));
  return { locked, problems };
}

async function readBerry(path: string, text: string): Promise<{ locked: Locked[]; problems: string[] }> {
  const { entries, problems } = await parseBerry(path, text);
  const locked: Locked[] = [];
  for (const entry of entries) {
    const locator = entry.resolution === undefined ? undefined : splitDescriptor(entry.resolution);
    const isRoot = locator !== undefined ? locator.range === 'workspace:.' : entry.descriptors.some((d) => splitDescriptor(d).range === 'workspace:.');
    if (isRoot) continue;
    const name = locator !== undefined && locator.name !== '' ? locator.name : packageNameOf(entry.descriptors[0] ?? '');
    if (name === '') {
      problems.push(`${entry.where}: no package name; skipped`);
      continue;
    }
    locked.push({ name, version: entry.version, where: entry.where });
  }
  return { locked, problems };
}

function decodeText(path: string, contents: Uint8Array): string {
  if (contents.includes(0)) throw new StellaError(TEXT_INVALID, `${path}: binary data (NUL bytes), not a yarn lockfile`);
  // The decoder drops a UTF-8 BOM.
  return new TextDecoder().decode(contents);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

