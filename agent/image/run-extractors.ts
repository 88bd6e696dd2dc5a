/**
 * The one place extractors are called: which ones want a file, whether it
 * is small enough for them, and running them so that one broken file becomes
 * a warning instead of stopping the scan.
 *
 * @example
 *   const wanted = extractorsFor(extractors, path);
 *   const fit = fitting(wanted, size, path, where, limits, warn);
 *   const packages = runExtractors(fit, path, contents, warn);
 */
import { StellaError, describeError } from '../../core/errors.js';
import type { Extractor } from '../../core/extract/extractor.js';
import type { ExtractedPackage } from '../../core/model/package.js';
import type { Limits } from './limits.js';
import { printable } from './warnings.js';

const NONE: readonly Extractor[] = Object.freeze([]);

/** The extractors whose `fileRequired(path)` is true (a shared empty array when none: no allocation per file). */
export function extractorsFor(extractors: readonly Extractor[], path: string): readonly Extractor[] {
  let found: Extractor[] | undefined;
  for (const extractor of extractors) {
    if (extractor.fileRequired(path)) (found ??= []).push(extractor);
  }
  return found ?? NONE;
}

/**
 * The extractors of `wanted` whose `maxFileSize` admits `size` bytes. For the
 * others the policy applies: `'error'` throws LIMIT_EXCEEDED (prefixed by
 * `where`), `'warn'` warns and leaves them out.
 */
export function fitting(
  wanted: readonly Extractor[],
  size: number,
  path: string,
  where: string,
  limits: Limits,
  warn: (message: string) => void,
): readonly Extractor[] {
  let fit: Extractor[] | undefined;
  for (const extractor of wanted) {
    if (size <= extractor.maxFileSize) {
      (fit ??= []).push(extractor);
      continue;
    }
    const problem = `${printable(path)} is ${size} bytes, over the ${extractor.name} limit of ${extractor.maxFileSize}`;
    if (limits.oversizedFile === 'error') {
      throw new StellaError('LIMIT_EXCEEDED', `${where}: ${problem}`, { data: { path, size, extractor: extractor.name } });
    }
    warn(`${path}: ${size} bytes, over the ${extractor.name} limit of ${extractor.maxFileSize}; skipped`);
  }
  return fit ?? NONE;
}

/** Runs each extractor on the file; errors and the extractors' own warnings become warnings. */
export function runExtractors(
  extractors: readonly Extractor[],
  path: string,
  contents: Uint8Array,
  warn: (message: string) => void,
): ExtractedPackage[] {
  const packages: ExtractedPackage[] = [];
  for (const extractor of extractors) {
    try {
      const result = extractor.extract({ path, contents });
      for (const pkg of result.packages) packages.push(pkg);
      for (const message of result.warnings ?? []) warn(message);
    } catch (error) {
      const message = describeError(error);
      warn(message.startsWith(`${path}:`) ? message : `${path}: ${message}`);
    }
  }
  return packages;
}
