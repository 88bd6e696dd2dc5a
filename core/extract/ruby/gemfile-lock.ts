/**
 * The `gemfile-lock` extractor: Ruby gems locked by Bundler.
 *
 * Files: `Gemfile.lock` (and `gems.locked`, Bundler's other name for it) at
 * any depth, except inside an installed gem (a path with a `gems` folder,
 * as in `…/gems/rake-13.0.6/Gemfile.lock` or `…/bundler/gems/…`): those
 * lockfiles are their authors', not what this project runs.
 *
 * Format: top-level sections start in column 0. The source sections `GEM`,
 * `GIT`, `PATH` and `PLUGIN SOURCE` each hold a `specs:` list whose entries
 * are indented four spaces, `name (version)`; their own dependencies are
 * indented six and are not packages. Every spec of every source section is
 * reported (git and path gems included, as the peer does), wherever the
 * section sits in the file. A platform suffix is not part of the version:
 * Bundler splits `nokogiri (1.13.3-x86_64-linux)` at the first `-`, and so do
 * we, reporting `1.13.3`; the same gem locked for several platforms is one
 * package. `PLATFORMS`, `DEPENDENCIES`, `CHECKSUMS`, `RUBY VERSION` and
 * `BUNDLED WITH` do not list locked gems.
 *
 * A spec without a version is a warning. A file with text but none of
 * Bundler's sections is not a Gemfile.lock and is an error.
 *
 * @example
 *   const { packages } = gemfileLockExtractor.extract({ path: 'app/Gemfile.lock', contents });
 *   // [{ type: 'gem', name: 'ast', version: '2.4.2', evidence: 'lockfile', sourceFile: 'app/Gemfile.lock' }]
 */
import { prefixAndCapWarnings } from '../warnings.js';
import { StellaError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { basename } from '../path-name.js';

/**
 * Large Rails applications lock a few hundred gems (tens of KiB); 64 MiB only stops files that are not a lockfile.
 *
 * @example
 *   gemfileLockExtractor.maxFileSize === GEMFILE_LOCK_MAX_FILE_SIZE; // true
 */
export const GEMFILE_LOCK_MAX_FILE_SIZE = 64 * 1024 * 1024;

/**
 * There is no code for "lockfile unreadable" yet; IMAGE_INVALID is what the
 * dpkg extractor uses for a file from the target it cannot read. One place to change.
 */
const LOCKFILE_INVALID: StellaErrorCode = 'IMAGE_INVALID';
const SOURCE_SECTIONS = new Set(['GEM', 'GIT', 'PATH', 'PLUGIN SOURCE']);
const OTHER_SECTIONS = new Set(['PLATFORMS', 'DEPENDENCIES', 'CHECKSUMS', 'RUBY VERSION', 'BUNDLED WITH']);
const LOCKFILE_NAMES = new Set(['Gemfile.lock', 'gems.locked']);
/** `    name (version)`: exactly four spaces, as Bundler writes specs. */
const SPEC = /^ {4}(?! )(\S+)(?: \(([^)]*)\))?$/;

/**
 * True for the Bundler lockfiles of a project.
 *
 * @example
 *   isGemfileLock('app/Gemfile.lock');                                  // true
 *   isGemfileLock('usr/local/bundle/gems/rake-13.0.6/Gemfile.lock');    // false
 */
export function isGemfileLock(path: string): boolean {
  // Every path of an image is asked: the cheap test first.
  if (!LOCKFILE_NAMES.has(basename(path))) return false;
  const segments = path.split('/');
  const name = segments.pop();
  return name !== undefined && LOCKFILE_NAMES.has(name) && !segments.includes('gems');
}

/**
 * The Gemfile.lock extractor; see the module comment.
 *
 * @example
 *   gemfileLockExtractor.fileRequired('Gemfile.lock'); // true
 */
export const gemfileLockExtractor: Extractor = {
  name: 'gemfile-lock',
  maxFileSize: GEMFILE_LOCK_MAX_FILE_SIZE,
  fileRequired: isGemfileLock,
  extract: extractGemfileLock,
};

function extractGemfileLock({ path, contents }: ExtractInput): ExtractResult {
  const lines = new TextDecoder().decode(contents).split('\n');
  const warnings: string[] = [];
  const seen = new Set<string>();
  const packages: ExtractedPackage[] = [];
  let sections = 0;
  let hasText = false;
  let inSource = false;
  let inSpecs = false;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '') continue;
    hasText = true;
    if (!line.startsWith(' ')) {
      // A column-0 line starts a section; unknown ones (from newer Bundlers) are skipped whole.
      const known = SOURCE_SECTIONS.has(line) || OTHER_SECTIONS.has(line);
      if (known) sections++;
      inSource = SOURCE_SECTIONS.has(line);
      inSpecs = false;
      continue;
    }
    if (!inSource) continue;
    if (/^ {2}(?! )/.test(line)) {
      inSpecs = line === '  specs:';
      continue;
    }
    if (!inSpecs) continue;
    const spec = SPEC.exec(line);
    if (spec === null) continue; // six spaces: a dependency of the spec above
    const [, name = '', locked] = spec;
    // Bundler's own split: the version is everything before the first '-', the platform the rest.
    const version = locked?.split('-')[0] ?? '';
    if (version === '') {
      warnings.push(`line ${i + 1}: spec "${name.slice(0, 80)}" has no version; skipped`);
      continue;
    }
    const key = `${name}@${version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    packages.push({ type: 'gem', name, version, sourceFile: path, evidence: 'lockfile' });
  }
  if (hasText && sections === 0) {
    throw new StellaError(LOCKFILE_INVALID, `${path}: not a Gemfile.lock (none of Bundler's sections such as GEM, PLATFORMS or DEPENDENCIES)`);
  }
  const result: ExtractResult = { packages };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

