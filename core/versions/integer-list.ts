/**
 * Orderings whose versions are lists of non-negative integers compared
 * lexicographically (CRAN, Hackage): the first differing component decides,
 * and when one list is a prefix of the other the longer is newer
 * (`1.8` < `1.8.0`). Each ecosystem keeps its own grammar in `parse`; what
 * is shared is the comparison and the VERSION_INVALID error.
 */
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/**
 * -1, 0 or 1 as the integer list `a` sorts before, equal to, or after `b`.
 *
 * @example
 *   compareIntegerLists([1, 8], [1, 8, 0]);  // -1 (a prefix sorts first)
 *   compareIntegerLists([0, 9], [0, 75]);    // -1
 */
export function compareIntegerLists(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = (a[i] ?? 0) - (b[i] ?? 0);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  const c = a.length - b.length;
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/** What an integer-list ordering is made of. */
export interface IntegerListGrammar {
  /** OSV ecosystem name, also used in the VERSION_INVALID message. */
  ecosystem: string;
  /** The version's integers, or undefined when the ecosystem does not accept it (memoize it: see memo.ts). */
  parse: (version: string) => number[] | undefined;
  /** What a valid version looks like, after "expected " in the VERSION_INVALID message. */
  expected: string;
}

/**
 * The ordering of an ecosystem whose versions are integer lists: valid when
 * `parse` accepts the version, compared with `compareIntegerLists`; an
 * invalid version throws VERSION_INVALID naming the version and the ecosystem.
 *
 * @example
 *   const ordering = integerListOrdering({ ecosystem: 'CRAN', parse, expected: 'integers separated by "." or "-"' });
 *   ordering.compare('1.8', '1.8.0');  // -1
 */
export function integerListOrdering({ ecosystem, parse, expected }: IntegerListGrammar): VersionOrdering {
  const parseOrThrow = (version: string): number[] => {
    const parsed = parse(version);
    if (parsed === undefined) {
      throw new StellaError('VERSION_INVALID', `"${version}" is not a valid ${ecosystem} version: expected ${expected}`, { data: { ecosystem, version } });
    }
    return parsed;
  };
  return {
    ecosystem,
    isValid: (version) => parse(version) !== undefined,
    compare: (a, b) => compareIntegerLists(parseOrThrow(a), parseOrThrow(b)),
  };
}
