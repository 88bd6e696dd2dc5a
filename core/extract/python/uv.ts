/**
 * The `uv-lockfile` extractor: packages locked by uv (`uv.lock`, TOML, one
 * `[[package]]` table per package with `name`, `version` and `source`).
 *
 * The project itself is locked too, as the package whose source is
 * `{ virtual = "." }` or `{ editable = "." }`; it is not a dependency and is
 * skipped. Other workspace members (`editable = "packages/x"`) are reported,
 * as yarn workspaces are; one whose version is dynamic has none in the
 * lockfile and is skipped. Git, URL and path sources are reported with the
 * version uv resolved. uv records groups only as edges from the project, so
 * no dev flag is set here.
 *
 * @example
 *   (await uvLockfileExtractor.extract({ path: 'uv.lock', contents })).packages;
 *   // [{ type: 'pypi', name: 'emoji', version: '2.14.0', sourceFile: 'uv.lock', evidence: 'lockfile' }]
 */
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { Collected, asMapping, isProjectFile, nonEmptyString, parseToml, withWarnings } from './common.js';
import { basename } from '../path-name.js';
import { packageTables } from './toml-packages.js';

/**
 * uv lockfiles list every wheel of every package and reach several MiB; 64 MiB is far beyond a real one.
 *
 * @example
 *   uvLockfileExtractor.maxFileSize === UV_LOCK_MAX_FILE_SIZE; // true
 */
export const UV_LOCK_MAX_FILE_SIZE = 64 * 1024 * 1024;

/**
 * True for `uv.lock` outside installed-package trees.
 *
 * @example
 *   isUvLockfile('app/uv.lock'); // true
 */
export function isUvLockfile(path: string): boolean {
  return basename(path) === 'uv.lock' && isProjectFile(path);
}

/**
 * The uv lockfile extractor; see the module comment.
 *
 * @example
 *   uvLockfileExtractor.fileRequired('uv.lock'); // true
 */
export const uvLockfileExtractor: Extractor<Promise<ExtractResult>> = {
  name: 'uv-lockfile',
  maxFileSize: UV_LOCK_MAX_FILE_SIZE,
  fileRequired: isUvLockfile,
  extract: extractUvLock,
};

async function extractUvLock({ path, contents }: ExtractInput): Promise<ExtractResult> {
  const doc = await parseToml(path, contents);
  const found = new Collected(path, 'lockfile');
  const warnings: string[] = [];
  for (const [i, table] of packageTables(doc, warnings)) {
    if (isProjectRoot(table['source'])) continue;
    const name = nonEmptyString(table['name']);
    const version = nonEmptyString(table['version']);
    if (name === undefined || version === undefined) {
      // uv writes no version for a local project whose version is dynamic: nothing to report, nothing wrong.
      if (name !== undefined && isLocal(table['source'])) continue;
      warnings.push(`package[${i}]${name === undefined ? '' : ` (${JSON.stringify(name)})`} has no ${name === undefined ? 'name' : 'version'}; skipped`);
      continue;
    }
    found.add(name, version, {});
  }
  return withWarnings(path, found.packages(), warnings);
}

/** Workspace members and path dependencies: code in the target itself. */
function isLocal(source: unknown): boolean {
  const fields = asMapping(source) ?? {};
  return ['virtual', 'editable', 'directory'].some((kind) => typeof fields[kind] === 'string');
}

/** The project's own entry: a virtual or editable source at the lockfile's folder. */
function isProjectRoot(source: unknown): boolean {
  const fields = asMapping(source);
  return fields !== undefined && (fields['virtual'] === '.' || fields['editable'] === '.');
}
