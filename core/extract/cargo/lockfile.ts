/**
 * The `cargo-lock` extractor: Rust crates locked by Cargo.
 *
 * Files: `Cargo.lock` at any depth, except under a `.cargo` folder, where
 * Cargo keeps the sources of downloaded crates (`~/.cargo/registry/src/…`):
 * a lockfile shipped inside a dependency is its author's, not what this
 * project builds.
 *
 * Every `[[package]]` is reported in file order, with its `name` and
 * `version`. Packages without a `source` are the workspace's own crates (or
 * path dependencies); they are reported too, as the peer does, because a
 * local crate may share a name with a published one that has advisories —
 * the matcher, not the extractor, decides. The lockfile `version` key and
 * `[metadata]` (format 1 checksums) are ignored. One package per name and
 * version: the same crate from two sources would otherwise be two equal rows.
 *
 * The TOML parser is loaded when the first lockfile is parsed (see
 * ../parsers.ts), so `extract` returns a Promise.
 *
 * @example
 *   const { packages } = await cargoLockExtractor.extract({ path: 'Cargo.lock', contents });
 *   // [{ type: 'cargo', name: 'addr2line', version: '0.15.2', evidence: 'lockfile', sourceFile: 'Cargo.lock' }]
 */
import { prefixAndCapWarnings } from '../warnings.js';
import { StellaError, describeError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { loadToml } from '../parsers.js';

/**
 * The largest workspaces lock a few thousand crates (about 1 MiB); 64 MiB only stops files that are not a lockfile.
 *
 * @example
 *   cargoLockExtractor.maxFileSize === CARGO_LOCK_MAX_FILE_SIZE; // true
 */
export const CARGO_LOCK_MAX_FILE_SIZE = 64 * 1024 * 1024;

/**
 * There is no code for "lockfile unreadable" yet; IMAGE_INVALID is what the
 * dpkg extractor uses for a file from the target it cannot read. One place to change.
 */
const LOCKFILE_INVALID: StellaErrorCode = 'IMAGE_INVALID';
/** Cargo.lock nests two levels; the parser's default (1000) only matters to hostile input. */
const MAX_TOML_DEPTH = 32;

/**
 * True for the Cargo lockfiles of a project.
 *
 * @example
 *   isCargoLock('app/Cargo.lock');                                           // true
 *   isCargoLock('root/.cargo/registry/src/index/ripgrep-14.1.0/Cargo.lock'); // false
 */
export function isCargoLock(path: string): boolean {
  if (!path.endsWith('Cargo.lock')) return false; // every path of an image is asked: the cheap test first
  const segments = path.split('/');
  return segments.pop() === 'Cargo.lock' && !segments.includes('.cargo');
}

/**
 * The Cargo.lock extractor; see the module comment.
 *
 * @example
 *   cargoLockExtractor.fileRequired('Cargo.lock'); // true
 */
export const cargoLockExtractor: Extractor<Promise<ExtractResult>> = {
  name: 'cargo-lock',
  maxFileSize: CARGO_LOCK_MAX_FILE_SIZE,
  fileRequired: isCargoLock,
  extract: extractCargoLock,
};

async function extractCargoLock({ path, contents }: ExtractInput): Promise<ExtractResult> {
  const doc = await parseToml(path, contents);
  const entries = doc['package'];
  if (entries === undefined) return { packages: [] };
  if (!Array.isArray(entries)) throw new StellaError(LOCKFILE_INVALID, `${path}: "package" is not an array of tables`);
  const warnings: string[] = [];
  const seen = new Set<string>();
  const packages: ExtractedPackage[] = [];
  entries.forEach((entry: unknown, index) => {
    const name = isTable(entry) ? entry['name'] : undefined;
    const version = isTable(entry) ? entry['version'] : undefined;
    if (typeof name !== 'string' || name === '' || typeof version !== 'string' || version === '') {
      warnings.push(`package #${index + 1} has no name or version; skipped`);
      return;
    }
    const key = `${name}@${version}`;
    if (seen.has(key)) return;
    seen.add(key);
    packages.push({ type: 'cargo', name, version, sourceFile: path, evidence: 'lockfile' });
  });
  const result: ExtractResult = { packages };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

/** Decodes `contents` before the first await: the caller may reuse it once extract returns. */
async function parseToml(path: string, contents: Uint8Array): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(contents);
  const { parse } = await loadToml(path);
  try {
    return parse(text, { maxDepth: MAX_TOML_DEPTH, unsafeKeyBehaviour: 'drop' });
  } catch (error) {
    // TOML errors span several lines (a code frame); the first names the problem and position.
    throw new StellaError(LOCKFILE_INVALID, `${path}: not valid TOML (${describeError(error).slice(0, 200)})`, { cause: error });
  }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

