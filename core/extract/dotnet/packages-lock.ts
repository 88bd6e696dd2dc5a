/**
 * The `nuget-lockfile` extractor: NuGet packages locked by `packages.lock.json`.
 *
 * Format: `dependencies` maps each target framework (`net6.0`, …) to the
 * packages restored for it, by name, each with a `type` and a `resolved`
 * version. `Direct`, `Transitive` and `CentralTransitive` entries are
 * packages from a feed and are reported; `Project` entries are other
 * projects of the same solution, not packages, and are skipped. A package
 * restored for several frameworks at the same version is one package.
 *
 * @example
 *   const { packages } = nugetLockfileExtractor.extract({ path: 'src/App/packages.lock.json', contents });
 *   // [{ type: 'nuget', name: 'Core.Dep', version: '1.24.0', evidence: 'lockfile', sourceFile: 'src/App/packages.lock.json' }]
 */
import { StellaError } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { isObject, parseJsonObject, resultWithWarnings } from '../json-lockfile.js';

/**
 * Solution lockfiles are at most a few MiB; 64 MiB only stops files that are not a lockfile.
 *
 * @example
 *   nugetLockfileExtractor.maxFileSize === NUGET_LOCKFILE_MAX_FILE_SIZE; // true
 */
export const NUGET_LOCKFILE_MAX_FILE_SIZE = 64 * 1024 * 1024;

/**
 * True for NuGet lockfiles, at any depth.
 *
 * @example
 *   isNugetLockfile('src/App/packages.lock.json'); // true
 *   isNugetLockfile('src/App/packages.config');    // false
 */
export function isNugetLockfile(path: string): boolean {
  return path === 'packages.lock.json' || path.endsWith('/packages.lock.json');
}

/**
 * The packages.lock.json extractor; see the module comment.
 *
 * @example
 *   nugetLockfileExtractor.fileRequired('packages.lock.json'); // true
 */
export const nugetLockfileExtractor: Extractor = {
  name: 'nuget-lockfile',
  maxFileSize: NUGET_LOCKFILE_MAX_FILE_SIZE,
  fileRequired: isNugetLockfile,
  extract: extractNugetLockfile,
};

function extractNugetLockfile({ path, contents }: ExtractInput): ExtractResult {
  const doc = parseJsonObject(path, contents);
  const frameworks = doc['dependencies'];
  if (frameworks === undefined) return { packages: [] };
  if (!isObject(frameworks)) throw new StellaError('JSON_INVALID', `${path}: "dependencies" is not an object`);
  const warnings: string[] = [];
  const byKey = new Map<string, ExtractedPackage>();
  for (const [framework, entries] of Object.entries(frameworks)) {
    if (!isObject(entries)) {
      warnings.push(`dependencies["${framework}"] is not an object; skipped`);
      continue;
    }
    for (const [name, entry] of Object.entries(entries)) {
      if (!isObject(entry)) {
        warnings.push(`dependencies["${framework}"]["${name}"] is not an object; skipped`);
        continue;
      }
      if (entry['type'] === 'Project') continue;
      const version = entry['resolved'];
      if (typeof version !== 'string' || version === '' || name === '') {
        warnings.push(`dependencies["${framework}"]["${name}"] has no resolved version; skipped`);
        continue;
      }
      const key = `${name}@${version}`;
      if (!byKey.has(key)) byKey.set(key, { type: 'nuget', name, version, sourceFile: path, evidence: 'lockfile' });
    }
  }
  return resultWithWarnings(path, [...byKey.values()], warnings);
}
