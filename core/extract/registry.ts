/**
 * The explicit list of extractors, and the registry built from it. Adding an
 * extractor means adding it to `builtinExtractors`; nothing registers itself
 * at import time, so the list below is the whole truth.
 *
 * @example
 *   for (const extractor of extractorsFor('var/lib/dpkg/status')) {
 *     const result = extractor.extract({ path, contents });
 *   }
 */
import { StellaError } from '../errors.js';
import { dpkgExtractor } from './dpkg/index.js';
import { apkExtractor } from './apk/index.js';
import { cargoLockExtractor } from './cargo/lockfile.js';
import { nugetLockfileExtractor } from './dotnet/packages-lock.js';
import { goBinaryExtractor } from './go/binary.js';
import { goModExtractor } from './go/gomod.js';
import { javaArchiveExtractor } from './java/archive.js';
import { gradleLockfileExtractor } from './java/gradle-lockfile.js';
import { mavenPomExtractor } from './java/pom.js';
import { composerLockExtractor } from './php/composer-lock.js';
import { gemfileLockExtractor } from './ruby/gemfile-lock.js';
import type { AnyExtractor, ExtractInput, StreamInput } from './extractor.js';
import { npmInstalledExtractor } from './npm/installed.js';
import { npmLockfileExtractor } from './npm/lockfile.js';
import { pnpmLockfileExtractor } from './pnpm/lockfile.js';
import { pipfileLockExtractor } from './python/pipfile.js';
import { poetryLockfileExtractor } from './python/poetry.js';
import { pythonInstalledExtractor } from './python/installed.js';
import { requirementsExtractor } from './python/requirements.js';
import { uvLockfileExtractor } from './python/uv.js';
import { rpmExtractor } from './rpm/index.js';
import { yarnLockfileExtractor } from './yarn/lockfile.js';

/**
 * Every extractor Stella Mesh ships, in the order results are reported.
 *
 * @example
 *   builtinExtractors.map((e) => e.name); // ['dpkg', 'apk', 'rpm', 'npm-lockfile', 'npm-installed']
 */
export const builtinExtractors: readonly AnyExtractor[] = Object.freeze([
  // OS package databases
  dpkgExtractor,
  apkExtractor,
  rpmExtractor,
  // JavaScript
  npmLockfileExtractor,
  npmInstalledExtractor,
  yarnLockfileExtractor,
  pnpmLockfileExtractor,
  // Python
  requirementsExtractor,
  poetryLockfileExtractor,
  pipfileLockExtractor,
  uvLockfileExtractor,
  pythonInstalledExtractor,
  // Go, Rust, Ruby, PHP, Java, .NET
  goModExtractor,
  goBinaryExtractor,
  cargoLockExtractor,
  gemfileLockExtractor,
  composerLockExtractor,
  mavenPomExtractor,
  gradleLockfileExtractor,
  javaArchiveExtractor,
  nugetLockfileExtractor,
]);

/**
 * A fixed set of extractors with unique names.
 *
 * @example
 *   const registry: ExtractorRegistry = createRegistry(builtinExtractors);
 *   registry.byName('npm-lockfile')?.fileRequired('package-lock.json'); // true
 */
export interface ExtractorRegistry {
  readonly extractors: readonly AnyExtractor[];
  /** The extractor with this name, if registered. */
  byName(name: string): AnyExtractor | undefined;
  /** The extractors whose `fileRequired(path)` is true, in registry order. */
  extractorsFor(path: string): AnyExtractor[];
}

/**
 * Builds a registry; refuses two extractors with the same name, since names
 * key warnings, reports and configuration.
 *
 * @example
 *   const registry = createRegistry([dpkgExtractor]);
 *   registry.extractorsFor('var/lib/dpkg/status'); // [dpkgExtractor]
 *   createRegistry([dpkgExtractor, dpkgExtractor]); // throws StellaError INTERNAL
 */
export function createRegistry(extractors: readonly AnyExtractor[]): ExtractorRegistry {
  const byName = new Map<string, AnyExtractor>();
  for (const extractor of extractors) {
    if (byName.has(extractor.name)) {
      throw new StellaError('INTERNAL', `extractor registry: two extractors are named "${extractor.name}"`);
    }
    byName.set(extractor.name, sizeLimited(extractor));
  }
  const list = Object.freeze([...byName.values()]);
  return {
    extractors: list,
    byName: (name) => byName.get(name),
    extractorsFor: (path) => list.filter((extractor) => extractor.fileRequired(path)),
  };
}

/**
 * The one size check at extract time: every extractor a registry hands out
 * refuses input over its `maxFileSize` with LIMIT_EXCEEDED before parsing
 * any of it, so no extractor repeats the check. (Readers apply the same
 * bound earlier, before they read a body: agent/image/run-extractors.ts.)
 */
function sizeLimited(extractor: AnyExtractor): AnyExtractor {
  const { name, maxFileSize } = extractor;
  const check = (path: string, size: number): void => {
    if (size > maxFileSize) throw new StellaError('LIMIT_EXCEEDED', `${path}: ${size} bytes exceeds the ${name} limit of ${maxFileSize}`);
  };
  const stream = extractor.stream?.bind(extractor);
  return Object.freeze({
    name,
    maxFileSize,
    fileRequired: (path: string) => extractor.fileRequired(path),
    extract: (input: ExtractInput) => {
      check(input.path, input.contents.byteLength);
      return extractor.extract(input);
    },
    ...(stream === undefined
      ? {}
      : {
          stream: (input: StreamInput) => {
            check(input.path, input.size);
            return stream(input);
          },
        }),
  });
}

/**
 * The registry of `builtinExtractors`.
 *
 * @example
 *   defaultRegistry.byName('dpkg')?.maxFileSize;
 */
export const defaultRegistry: ExtractorRegistry = createRegistry(builtinExtractors);

/**
 * The built-in extractors that want the file at `path` (relative to the
 * target root, POSIX, no leading slash).
 *
 * @example
 *   extractorsFor('app/node_modules/express/package.json').map((e) => e.name); // ['npm-installed']
 */
export function extractorsFor(path: string): AnyExtractor[] {
  return defaultRegistry.extractorsFor(path);
}
