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
import { integerListOrdering } from './integer-list.js';
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

/**
 * Hackage's ordering: Cabal versions as integer lists.
 *
 * @example
 *   hackageOrdering.compare('1.0', '1.0.0');        // -1 (a prefix sorts first)
 *   hackageOrdering.compare('0.11.3.0', '1.0');     // -1
 *   hackageOrdering.compare('2.0', '1.999999999');  // 1
 *   hackageOrdering.isValid('1.01');                // false (leading zero)
 */
export const hackageOrdering: VersionOrdering = integerListOrdering({
  ecosystem: 'Hackage',
  parse,
  expected: 'numbers separated by dots, without leading zeros, at most nine digits each',
});
