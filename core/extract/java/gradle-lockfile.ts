/**
 * The `gradle-lockfile` extractor: Maven artifacts locked by Gradle's
 * dependency locking.
 *
 * Files: `gradle.lockfile` and `buildscript-gradle.lockfile` (Gradle 6.8+,
 * one per project), and the older per-configuration files
 * `gradle/dependency-locks/<configuration>.lockfile`.
 *
 * Format: one `group:artifact:version=configuration,…` per line (the older
 * files have no `=…` part). `#` comments, blank lines and the `empty=…`
 * line (configurations that lock nothing) are not packages. Any other line
 * that is not three non-empty coordinates is a warning; a file with no line
 * of the format at all is not a Gradle lockfile and is an error. One package
 * per `group:artifact` and version, in file order.
 *
 * @example
 *   const { packages } = gradleLockfileExtractor.extract({ path: 'app/gradle.lockfile', contents });
 *   // [{ type: 'maven', name: 'org.springframework.security:spring-security-crypto', version: '5.7.3', evidence: 'lockfile', … }]
 */
import { prefixAndCapWarnings } from '../warnings.js';
import { StellaError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { basename } from '../path-name.js';

/**
 * Lockfiles of large builds are a few hundred KiB; 64 MiB only stops files that are not one.
 *
 * @example
 *   gradleLockfileExtractor.maxFileSize === GRADLE_LOCKFILE_MAX_FILE_SIZE; // true
 */
export const GRADLE_LOCKFILE_MAX_FILE_SIZE = 64 * 1024 * 1024;

/**
 * There is no code for "lockfile unreadable" yet; IMAGE_INVALID is what the
 * dpkg extractor uses for a file from the target it cannot read. One place to change.
 */
const LOCKFILE_INVALID: StellaErrorCode = 'IMAGE_INVALID';
const LOCKFILE_NAMES = new Set(['gradle.lockfile', 'buildscript-gradle.lockfile']);

/**
 * True for Gradle dependency lockfiles.
 *
 * @example
 *   isGradleLockfile('app/gradle.lockfile');                                     // true
 *   isGradleLockfile('app/gradle/dependency-locks/compileClasspath.lockfile');   // true
 *   isGradleLockfile('app/build.gradle');                                        // false
 */
export function isGradleLockfile(path: string): boolean {
  // Every path of an image is asked: the folders are looked at only for a name that may be one.
  const name = basename(path);
  if (LOCKFILE_NAMES.has(name)) return true;
  if (!name.endsWith('.lockfile')) return false;
  const folders = path.split('/').slice(0, -1);
  return folders.at(-1) === 'dependency-locks' && folders.at(-2) === 'gradle';
}

/**
 * The Gradle lockfile extractor; see the module comment.
 *
 * @example
 *   gradleLockfileExtractor.fileRequired('gradle.lockfile'); // true
 */
export const gradleLockfileExtractor: Extractor = {
  name: 'gradle-lockfile',
  maxFileSize: GRADLE_LOCKFILE_MAX_FILE_SIZE,
  fileRequired: isGradleLockfile,
  extract: extractGradleLockfile,
};

function extractGradleLockfile({ path, contents }: ExtractInput): ExtractResult {
  const lines = new TextDecoder().decode(contents).split('\n');
  const warnings: string[] = [];
  const seen = new Set<string>();
  const packages: ExtractedPackage[] = [];
  let recognised = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    const coordinates = line.split('=')[0] ?? '';
    if (line.startsWith('#') || coordinates === 'empty') {
      recognised++;
      continue;
    }
    const parts = coordinates.split(':');
    const [group = '', artifact = '', version = ''] = parts;
    if (parts.length !== 3 || group === '' || artifact === '' || version === '') {
      warnings.push(`line ${i + 1}: "${line.slice(0, 80)}" is not group:artifact:version; skipped`);
      continue;
    }
    recognised++;
    const name = `${group}:${artifact}`;
    const key = `${name}@${version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    packages.push({ type: 'maven', name, version, sourceFile: path, evidence: 'lockfile' });
  }
  if (recognised === 0 && warnings.length > 0) {
    throw new StellaError(LOCKFILE_INVALID, `${path}: not a Gradle lockfile (no comment, "empty=" or group:artifact:version line)`);
  }
  const result: ExtractResult = { packages };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

