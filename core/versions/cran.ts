/**
 * CRAN (R package) version ordering, as R's `compareVersion` orders
 * versions: integers separated by `.` or `-` (the two separators are the
 * same: `1.0-1` = `1.0.1`), compared as integer lists. The first differing
 * component decides; when one list is a prefix of the other the longer is
 * newer (`1.8` < `1.8.0`). Leading zeros do not count (`0.01` = `0.1`), so
 * `0.9` < `0.75`.
 *
 * R's `numeric_version` comparison operators pad the shorter version with
 * zeros and would call `1.8` and `1.8.0` equal (R 4.2); `compareVersion`
 * and OSV keep the longer one newer, and so do we.
 *
 * Validity is R's `numeric_version` grammar, `([0-9]+[.-])*[0-9]+`, with
 * every component at most 2^31-1: R reads larger ones as NA and then
 * cannot compare them at all.
 */
import { memoizeParse } from './memo.js';
import { integerListOrdering } from './integer-list.js';
import type { VersionOrdering } from './ordering.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

const CRAN_RE = /^[0-9]+(?:[.-][0-9]+)*$/;
const INT_MAX = 2147483647;

function parseUncached(version: string): number[] | undefined {
  if (!CRAN_RE.test(version)) return undefined;
  const parts: number[] = [];
  for (const digits of version.split(/[.-]/)) {
    // Leading zeros cannot make Number() inexact, and above INT_MAX we stop.
    const n = Number(digits);
    if (n > INT_MAX) return undefined;
    parts.push(n);
  }
  return parts;
}

/**
 * CRAN's ordering: R's `compareVersion`.
 *
 * @example
 *   cranOrdering.compare('0.1-2', '0.2-2');  // -1
 *   cranOrdering.compare('1.0-0', '1.0.0');  // 0 (`-` and `.` are the same)
 *   cranOrdering.compare('1.8', '1.8.0');    // -1 (the longer is newer)
 *   cranOrdering.compare('0.9', '0.75');     // -1 (integers, not decimals)
 */
export const cranOrdering: VersionOrdering = integerListOrdering({
  ecosystem: 'CRAN',
  parse,
  expected: 'integers up to 2147483647 separated by "." or "-"',
});
