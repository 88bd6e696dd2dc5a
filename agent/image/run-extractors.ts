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
import type { AnyExtractor, ExtractResult } from '../../core/extract/extractor.js';
import type { ExtractedPackage } from '../../core/model/package.js';
import type { Limits } from './limits.js';
import { printable } from './warnings.js';

const NONE: readonly AnyExtractor[] = Object.freeze([]);

/** The extractors whose `fileRequired(path)` is true (a shared empty array when none: no allocation per file). */
export function extractorsFor(extractors: readonly AnyExtractor[], path: string): readonly AnyExtractor[] {
  let found: AnyExtractor[] | undefined;
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
  wanted: readonly AnyExtractor[],
  size: number,
  path: string,
  where: string,
  limits: Limits,
  warn: (message: string) => void,
): readonly AnyExtractor[] {
  let fit: AnyExtractor[] | undefined;
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

/**
 * The sibling files an extractor declared, out of those the caller read.
 * @example siblingsFor(goModExtractor, new Map([['go.sum', bytes]])) // { siblings: Map { 'go.sum' => bytes } }
 */
export function siblingsFor(extractor: AnyExtractor, read: ReadonlyMap<string, Uint8Array> | undefined): { siblings?: ReadonlyMap<string, Uint8Array> } {
  if (read === undefined || extractor.siblings === undefined) return {};
  const mine = new Map<string, Uint8Array>();
  for (const name of extractor.siblings) {
    const bytes = read.get(name);
    if (bytes !== undefined) mine.set(name, bytes);
  }
  return { siblings: mine };
}

/**
 * Runs each extractor on the file (with the sibling files each declared,
 * when the caller read them); errors and the extractors' own warnings
 * become warnings. Synchronous extractors give an array at once; if any is
 * asynchronous (rpm loads sql.js) the result is a Promise — each extractor
 * has taken what it needs from `contents` by the time `extract` returns.
 */
export function runExtractors(
  extractors: readonly AnyExtractor[],
  path: string,
  contents: Uint8Array,
  warn: (message: string) => void,
  siblings?: ReadonlyMap<string, Uint8Array>,
): ExtractedPackage[] | Promise<ExtractedPackage[]> {
  const packages: ExtractedPackage[] = [];
  const pending: Promise<void>[] = [];
  const fail = (error: unknown): void => {
    const message = describeError(error);
    warn(message.startsWith(`${path}:`) ? message : `${path}: ${message}`);
  };
  const take = (result: ExtractResult): void => {
    for (const pkg of result.packages) packages.push(pkg);
    for (const message of result.warnings ?? []) warn(message);
  };
  for (const extractor of extractors) {
    try {
      const result = extractor.extract({ path, contents, ...siblingsFor(extractor, siblings) });
      if (result instanceof Promise) pending.push(result.then(take, fail));
      else take(result);
    } catch (error) {
      fail(error);
    }
  }
  return pending.length === 0 ? packages : Promise.all(pending).then(() => packages);
}
