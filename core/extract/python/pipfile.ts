/**
 * The `pipfile-lockfile` extractor: packages locked by Pipenv
 * (`Pipfile.lock`, JSON with `default` and `develop` sections mapping each
 * package name to `{ "version": "==1.2.3", … }`).
 *
 * Entries without a `==` version are git, path or editable requirements
 * whose version Pipenv did not record; they are skipped quietly, as there
 * is nothing wrong with them. A package only in `develop` is dev-only. An
 * empty file holds no packages (Pipenv writes one before the first lock).
 *
 * @example
 *   pipfileLockExtractor.extract({ path: 'Pipfile.lock', contents }).packages;
 *   // [{ type: 'pypi', name: 'markupsafe', version: '2.1.1', sourceFile: 'Pipfile.lock', evidence: 'lockfile' }]
 */
import { StellaError } from '../../errors.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { Collected, DOCUMENT_INVALID, asMapping, isProjectFile, shortCause, withWarnings } from './common.js';
import { basename } from '../path-name.js';

/**
 * Pipfile.lock lists hashes for every file of every package; 64 MiB is far beyond a real one.
 *
 * @example
 *   pipfileLockExtractor.maxFileSize === PIPFILE_LOCK_MAX_FILE_SIZE; // true
 */
export const PIPFILE_LOCK_MAX_FILE_SIZE = 64 * 1024 * 1024;

const SECTIONS = [
  ['default', false],
  ['develop', true],
] as const;

/**
 * True for `Pipfile.lock` outside installed-package trees.
 *
 * @example
 *   isPipfileLock('app/Pipfile.lock'); // true
 */
export function isPipfileLock(path: string): boolean {
  return basename(path) === 'Pipfile.lock' && isProjectFile(path);
}

/**
 * The Pipenv lockfile extractor; see the module comment.
 *
 * @example
 *   pipfileLockExtractor.fileRequired('Pipfile.lock'); // true
 */
export const pipfileLockExtractor: Extractor = {
  name: 'pipfile-lockfile',
  maxFileSize: PIPFILE_LOCK_MAX_FILE_SIZE,
  fileRequired: isPipfileLock,
  extract: extractPipfileLock,
};

function extractPipfileLock({ path, contents }: ExtractInput): ExtractResult {
  const text = new TextDecoder().decode(contents);
  if (text.trim() === '') return { packages: [] };
  const doc = parseJsonObject(path, text);
  const found = new Collected(path, 'lockfile');
  const warnings: string[] = [];
  for (const [section, dev] of SECTIONS) {
    const entries = doc[section];
    if (entries === undefined) continue;
    const table = asMapping(entries);
    if (table === undefined) {
      warnings.push(`"${section}" is not an object; skipped`);
      continue;
    }
    for (const [name, value] of Object.entries(table)) {
      const entry = asMapping(value);
      if (entry === undefined || name === '') {
        warnings.push(`${section}[${JSON.stringify(name)}] is not a package entry; skipped`);
        continue;
      }
      const version = pinnedVersion(entry['version']);
      if (version !== undefined) found.add(name, version, { dev });
    }
  }
  return withWarnings(path, found.packages(), warnings);
}

/** `"==2.1.1"` (or `"===2.1.1"`) → `2.1.1`; anything else is not a pin. */
function pinnedVersion(spec: unknown): string | undefined {
  if (typeof spec !== 'string') return undefined;
  const match = /^\s*===?\s*([^\s,;=<>!~*]+)\s*$/.exec(spec);
  return match?.[1];
}

function parseJsonObject(path: string, text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new StellaError(DOCUMENT_INVALID, `${path}: not valid JSON (${shortCause(error)})`, { cause: error });
  }
  const object = asMapping(doc);
  if (object === undefined) {
    throw new StellaError(DOCUMENT_INVALID, `${path}: expected a JSON object, found ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}`);
  }
  return object;
}
