/**
 * Hackage (Haskell) version ordering, per the Package Versioning Policy
 * (https://pvp.haskell.org/) and Cabal's `Version` type: a version is a
 * non-empty list of non-negative integers written with `.` between them,
 * and versions compare as integer lists, lexicographically — the first
 * differing component decides, and a version that is a prefix of another
 * sorts first (`1.0` < `1.0.0` < `1.0.0.1`; trailing zeros count).
 *
 * Validity is Cabal's parser for a package version: each component is
 * digits without a leading zero (`0` itself is fine) and at most nine
 * digits long. Cabal still reads, with a warning, the deprecated `-tag`
 * suffixes (`1.0-beta`) and then drops them; Hackage refuses them on
 * upload, so they are rejected here rather than silently ignored.
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

// Nine digits keep every component below 2^31, which is Cabal's reason
// for the limit; it also makes plain numbers exact here.
const HACKAGE_RE = /^(?:0|[1-9][0-9]{0,8})(?:\.(?:0|[1-9][0-9]{0,8}))*$/;

function parseUncached(version: string): number[] | undefined {
  if (!HACKAGE_RE.test(version)) return undefined;
  return version.split('.').map(Number);
}

function compareLists(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = (a[i] ?? 0) - (b[i] ?? 0);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function sign(c: number): number {
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

function parseOrThrow(version: string): number[] {
  const parsed = parse(version);
  if (parsed === undefined) {
    throw new StellaError(
      'VERSION_INVALID',
      `"${version}" is not a valid Hackage version: expected numbers separated by dots, without leading zeros, at most nine digits each`,
      { data: { ecosystem: 'Hackage', version } },
    );
  }
  return parsed;
}

/**
 * Hackage's ordering: Cabal versions as integer lists.
 *
 * @example
 *   hackageOrdering.compare('1.0', '1.0.0');        // -1 (a prefix sorts first)
 *   hackageOrdering.compare('0.11.3.0', '1.0');     // -1
 *   hackageOrdering.compare('2.0', '1.999999999');  // 1
 *   hackageOrdering.isValid('1.01');                // false (leading zero)
 */
export const hackageOrdering: VersionOrdering = {
  ecosystem: 'Hackage',
  isValid: (version) => parse(version) !== undefined,
  compare: (a, b) => sign(compareLists(parseOrThrow(a), parseOrThrow(b))),
};
