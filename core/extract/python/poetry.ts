/**
 * The `poetry-lockfile` extractor: packages locked by Poetry (`poetry.lock`,
 * TOML, one `[[package]]` table per package with `name` and `version`).
 *
 * Git, directory and legacy-index sources are reported like registry ones:
 * the lockfile records the version Poetry resolved for them. Groups:
 * Poetry 1 writes `category = "dev"`; Poetry 2 writes `groups = [...]`,
 * where a package outside `main` is dev-only. `optional = true` marks an extra.
 *
 * @example
 *   (await poetryLockfileExtractor.extract({ path: 'poetry.lock', contents })).packages;
 *   // [{ type: 'pypi', name: 'numpy', version: '1.23.3', sourceFile: 'poetry.lock', evidence: 'lockfile' }]
 */
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { Collected, isProjectFile, nonEmptyString, parseToml, withWarnings } from './common.js';
import { basename } from '../path-name.js';
import { packageTables } from './toml-packages.js';

/**
 * Poetry lockfiles of large projects are a few MiB; 64 MiB is far beyond any written by hand or tool.
 *
 * @example
 *   poetryLockfileExtractor.maxFileSize === POETRY_LOCK_MAX_FILE_SIZE; // true
 */
export const POETRY_LOCK_MAX_FILE_SIZE = 64 * 1024 * 1024;

/**
 * True for `poetry.lock` outside installed-package trees.
 *
 * @example
 *   isPoetryLockfile('app/poetry.lock'); // true
 */
export function isPoetryLockfile(path: string): boolean {
  return basename(path) === 'poetry.lock' && isProjectFile(path);
}

/**
 * The Poetry lockfile extractor; see the module comment.
 *
 * @example
 *   poetryLockfileExtractor.fileRequired('poetry.lock'); // true
 */
export const poetryLockfileExtractor: Extractor<Promise<ExtractResult>> = {
  name: 'poetry-lockfile',
  maxFileSize: POETRY_LOCK_MAX_FILE_SIZE,
  fileRequired: isPoetryLockfile,
  extract: extractPoetryLock,
};

async function extractPoetryLock({ path, contents }: ExtractInput): Promise<ExtractResult> {
  const doc = await parseToml(path, contents);
  const found = new Collected(path, 'lockfile');
  const warnings: string[] = [];
  for (const [i, table] of packageTables(doc, warnings)) {
    const name = nonEmptyString(table['name']);
    const version = nonEmptyString(table['version']);
    if (name === undefined || version === undefined) {
      warnings.push(`package[${i}] has no ${name === undefined ? 'name' : 'version'}; skipped`);
      continue;
    }
    found.add(name, version, { dev: isDevOnly(table), optional: table['optional'] === true });
  }
  return withWarnings(path, found.packages(), warnings);
}

function isDevOnly(table: Record<string, unknown>): boolean {
  if (table['category'] === 'dev') return true;
  const groups = table['groups'];
  return Array.isArray(groups) && groups.length > 0 && !groups.includes('main');
}
