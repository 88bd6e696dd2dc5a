/**
 * The `composer-lock` extractor: PHP packages locked by Composer.
 *
 * Files: `composer.lock` at any depth, except inside a `vendor` folder,
 * where Composer installs packages: a lockfile shipped by a package is its
 * author's, not what this project installs.
 *
 * Every entry of `packages` and `packages-dev` is reported with its `name`
 * (`vendor/name`) and `version` as locked (`v1.2.3` stays `v1.2.3`: that is
 * the tag Packagist advisories also name). Entries from `packages-dev` carry
 * `dev: true`. One package per name and version; it is dev only when every
 * occurrence is.
 *
 * @example
 *   const { packages } = composerLockExtractor.extract({ path: 'app/composer.lock', contents });
 *   // [{ type: 'composer', name: 'sentry/sdk', version: '2.0.4', evidence: 'lockfile', sourceFile: 'app/composer.lock' }]
 */
import { StellaError } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { isObject, parseJsonObject, resultWithWarnings } from '../json-lockfile.js';

/**
 * Lockfiles of large applications are a few MiB; 64 MiB only stops files that are not a lockfile.
 *
 * @example
 *   composerLockExtractor.maxFileSize === COMPOSER_LOCK_MAX_FILE_SIZE; // true
 */
export const COMPOSER_LOCK_MAX_FILE_SIZE = 64 * 1024 * 1024;

/**
 * True for the Composer lockfiles of a project.
 *
 * @example
 *   isComposerLock('srv/app/composer.lock');                      // true
 *   isComposerLock('srv/app/vendor/guzzle/guzzle/composer.lock'); // false
 */
export function isComposerLock(path: string): boolean {
  if (!path.endsWith('composer.lock')) return false; // every path of an image is asked: the cheap test first
  const segments = path.split('/');
  return segments.pop() === 'composer.lock' && !segments.includes('vendor');
}

/**
 * The composer.lock extractor; see the module comment.
 *
 * @example
 *   composerLockExtractor.fileRequired('composer.lock'); // true
 */
export const composerLockExtractor: Extractor = {
  name: 'composer-lock',
  maxFileSize: COMPOSER_LOCK_MAX_FILE_SIZE,
  fileRequired: isComposerLock,
  extract: extractComposerLock,
};

function extractComposerLock({ path, contents }: ExtractInput): ExtractResult {
  const doc = parseJsonObject(path, contents);
  const warnings: string[] = [];
  const byKey = new Map<string, ExtractedPackage>();
  for (const [member, dev] of [
    ['packages', false],
    ['packages-dev', true],
  ] as const) {
    const list = doc[member];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new StellaError('JSON_INVALID', `${path}: "${member}" is not an array`);
    list.forEach((entry: unknown, index) => {
      const name = isObject(entry) ? entry['name'] : undefined;
      const version = isObject(entry) ? entry['version'] : undefined;
      if (typeof name !== 'string' || name === '' || typeof version !== 'string' || version === '') {
        warnings.push(`${member}[${index}] has no name or version; skipped`);
        return;
      }
      const key = `${name}@${version}`;
      const seen = byKey.get(key);
      if (seen === undefined) {
        const pkg: ExtractedPackage = { type: 'composer', name, version, sourceFile: path, evidence: 'lockfile' };
        if (dev) pkg.dev = true;
        byKey.set(key, pkg);
      } else if (!dev) {
        delete seen.dev;
      }
    });
  }
  return resultWithWarnings(path, [...byKey.values()], warnings);
}
