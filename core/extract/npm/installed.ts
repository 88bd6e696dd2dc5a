/**
 * The `npm-installed` extractor: packages actually present in a
 * `node_modules` tree, read from each package's own `package.json`.
 *
 * Files: `…/node_modules/<name>/package.json` and
 * `…/node_modules/@<scope>/<name>/package.json` at any depth of nesting
 * (`app/node_modules/a/node_modules/b/package.json`). Other package.json
 * files inside a package (`node_modules/a/lib/package.json`, often written
 * by bundlers to set `"type"`) are not packages and are not read.
 *
 * The package is its `name` and `version` fields — not the folder name,
 * which differs for aliases (`node_modules/string-width-cjs` holds
 * `string-width`). A package.json without both yields a warning and no
 * package; one that is not a JSON object throws (the caller turns that into a
 * warning for the file).
 *
 * @example
 *   npmInstalledExtractor.extract({
 *     path: 'app/node_modules/@babel/core/package.json',
 *     contents: new TextEncoder().encode('{"name":"@babel/core","version":"7.24.0"}'),
 *   }).packages;
 *   // [{ type: 'npm', name: '@babel/core', version: '7.24.0', installPath: 'app/node_modules/@babel/core', evidence: 'installed', … }]
 */
import { StellaError, describeError } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';

/**
 * Some old packages embed their README in package.json; a few MiB is still generous.
 *
 * @example
 *   npmInstalledExtractor.maxFileSize === NPM_PACKAGE_JSON_MAX_FILE_SIZE; // true
 */
export const NPM_PACKAGE_JSON_MAX_FILE_SIZE = 8 * 1024 * 1024;

/**
 * `node_modules/` then a package folder (optionally scoped) then package.json.
 * Folder names starting with `.` (`.bin`, `.cache`) or a bare `@scope` are not packages.
 */
const INSTALLED_PACKAGE_JSON = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@.][^/]*\/package\.json$/;

/**
 * True for the package.json of a package installed in node_modules.
 *
 * @example
 *   isInstalledPackageJson('node_modules/@scope/name/package.json'); // true
 *   isInstalledPackageJson('node_modules/a/lib/package.json');       // false
 *   isInstalledPackageJson('app/package.json');                      // false
 */
export function isInstalledPackageJson(path: string): boolean {
  return path.endsWith('/package.json') && INSTALLED_PACKAGE_JSON.test(path);
}

/**
 * The installed-package extractor; see the module comment.
 *
 * @example
 *   npmInstalledExtractor.fileRequired('app/node_modules/express/package.json'); // true
 */
export const npmInstalledExtractor: Extractor = {
  name: 'npm-installed',
  maxFileSize: NPM_PACKAGE_JSON_MAX_FILE_SIZE,
  fileRequired: isInstalledPackageJson,
  extract: extractInstalled,
};

function extractInstalled({ path, contents }: ExtractInput): ExtractResult {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(contents));
  } catch (error) {
    throw new StellaError('JSON_INVALID', `${path}: not valid JSON (${describeError(error)})`, { cause: error });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new StellaError('JSON_INVALID', `${path}: expected a JSON object`);
  }
  const fields = doc as Record<string, unknown>;
  const name = fields['name'];
  const version = fields['version'];
  if (typeof name !== 'string' || name === '' || typeof version !== 'string' || version === '') {
    return { packages: [], warnings: [`${path}: package.json without "name" and "version"; not reported`] };
  }
  const installPath = path.slice(0, -'/package.json'.length);
  return { packages: [{ type: 'npm', name, version, sourceFile: path, installPath, evidence: 'installed' } satisfies ExtractedPackage] };
}
