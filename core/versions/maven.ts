/**
 * Maven version ordering: Maven's `ComparableVersion` (the version order
 * specification of https://maven.apache.org/pom.html#version-order-specification),
 * as OSV computes Maven ranges with it (osv.dev, osv-scalibr). Matching has
 * to agree with the ordering the advisory's ranges were written in.
 *
 * A version, lowercased, is cut into items: numbers and words. `.` separates
 * items of one list; `-`, and a change between digits and letters, start a
 * sub-list nested in the current one (`1-1` and `1a1` nest, `1.1` does not).
 * Nulls (`0`, the release word, an empty list) are trimmed from the end of
 * the version and before each hyphen or digit/letter change, so `1.0.0` =
 * `1`, `1-0` = `1` and `1.0-1` = `1-1`. Lists compare item by item, the
 * shorter one padded with nulls, where:
 *
 * - numbers compare numerically, and above words and sub-lists
 *   (`1.1` > `1-1` > `1-sp`);
 * - known qualifiers rank alpha < beta < milestone < rc = cr < snapshot <
 *   "" = ga = final = release < sp, every other word after those in text
 *   order; `a1`, `b1`, `m1` (a letter directly followed by a digit) mean
 *   alpha, beta, milestone;
 * - a word against a null is the qualifier against the release, a number
 *   against a null is zero or more, a sub-list against a null is each of
 *   its items against a null in turn (`1-0.1` > `1`).
 *
 * Two places where Maven 3.8.7 (as Debian ships it) orders otherwise, and
 * Stella follows OSV's ordering and the osv-scalibr vectors:
 *
 * - A hyphen part made only of nulls: Maven keeps what follows nested
 *   (`1-ga-1` < `1-1`); the spec trims nulls "at each remaining hyphen",
 *   so here `1-ga-1` = `1-0-1` = `1-1`.
 * - A qualifier after a dot that ends the version or runs into digits:
 *   Maven 3.8.7 reads `1.5.9.RC1` as `1.5.9-RC1` (MNG-7559); earlier Maven
 *   and OSV keep it in the dotted list, so `1.5.9.RC1` < `1.5.9-RC0`.
 *
 * Maven reads any string as a version; Stella accepts printable ASCII
 * without blanks and reports anything else (empty, blanks, non-ASCII,
 * which Maven would read by Unicode rules) as invalid.
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

type Item =
  | { kind: 'number'; digits: string } // no leading zeros; "" is zero
  | { kind: 'word'; rank: string } // the qualifier's sort key, see rankOf
  | { kind: 'list'; items: Item[] };

const VALID_RE = /^[\x21-\x7e]+$/;
const DIGIT_RE = /[0-9]/;

// Known qualifiers in order; the empty word is the release itself.
const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
// Maps, not object literals: words come from version strings, and
// "constructor" or "__proto__" must not find anything.
const ALIASES: ReadonlyMap<string, string> = new Map([['ga', ''], ['final', ''], ['release', ''], ['cr', 'rc']]);
const SHORT_FORMS: ReadonlyMap<string, string> = new Map([['a', 'alpha'], ['b', 'beta'], ['m', 'milestone']]);
const RELEASE_RANK = String(QUALIFIERS.indexOf(''));

/**
 * A qualifier's sort key, compared as text: a known one is its index (a
 * single digit), any other `7-word`, so unknown words sort after `sp` and
 * among themselves alphabetically.
 */
function rankOf(word: string): string {
  const i = QUALIFIERS.indexOf(word);
  return i === -1 ? `${QUALIFIERS.length}-${word}` : String(i);
}

function numberItem(text: string): Item {
  return { kind: 'number', digits: text.replace(/^0+/, '') };
}

function wordItem(text: string, followedByDigit: boolean): Item {
  const expanded = followedByDigit ? (SHORT_FORMS.get(text) ?? text) : text;
  return { kind: 'word', rank: rankOf(ALIASES.get(expanded) ?? expanded) };
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case 'number':
      return item.digits === '';
    case 'word':
      return item.rank === RELEASE_RANK;
    case 'list':
      return item.items.length === 0;
    default:
      throw new StellaError('INTERNAL', `unknown Maven item ${JSON.stringify(item)}`);
  }
}

/** Drops the nulls (`0`, the release, empty lists) at the end of a list. */
function trimTrailingNulls(list: Item[]): void {
  while (list.length > 0 && isNull(list[list.length - 1] as Item)) list.pop();
}

function parseUncached(version: string): Item | undefined {
  if (!VALID_RE.test(version)) return undefined;
  const text = version.toLowerCase();
  const root: Item[] = [];
  // The lists still open, outermost first; each one ends with the next.
  const open: Item[][] = [root];
  let list = root;
  let start = 0;
  let inDigits = false;
  const token = (end: number): Item => {
    const t = text.slice(start, end);
    return inDigits ? numberItem(t) : wordItem(t, false);
  };
  // A hyphen, or a switch between digits and letters, closes the current
  // list: its trailing nulls go (the spec trims "at each remaining hyphen")
  // and what follows nests in a new sub-list. A sub-list left empty by that
  // trim is reused rather than nested in, so `1-ga-1` and `1-0-1` read as
  // `1-1`, as the spec's trimming gives.
  const split = (): void => {
    trimTrailingNulls(list);
    if (list.length === 0 && list !== root) return;
    const sub: Item[] = [];
    list.push({ kind: 'list', items: sub });
    open.push(sub);
    list = sub;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '.' || c === '-') {
      // An empty item (`1..2`, `-1`) reads as 0.
      list.push(i === start ? numberItem('0') : token(i));
      start = i + 1;
      if (c === '-') split();
    } else if (DIGIT_RE.test(c)) {
      if (!inDigits && i > start) {
        list.push(wordItem(text.slice(start, i), true));
        start = i;
        split();
      }
      inDigits = true;
    } else {
      if (inDigits && i > start) {
        list.push(numberItem(text.slice(start, i)));
        start = i;
        split();
      }
      inDigits = false;
    }
  }
  if (text.length > start) list.push(token(text.length));
  // Innermost first, so a sub-list emptied here is trimmed from its parent.
  for (let i = open.length - 1; i >= 0; i--) trimTrailingNulls(open[i] as Item[]);
  return { kind: 'list', items: root };
}

function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two items; `undefined` is the null a shorter list is padded with. */
function compareItems(a: Item | undefined, b: Item | undefined): number {
  if (a === undefined) return b === undefined ? 0 : -compareItems(b, undefined);
  switch (a.kind) {
    case 'number':
      if (b === undefined) return a.digits === '' ? 0 : 1;
      return b.kind === 'number' ? compareDigits(a.digits, b.digits) : 1;
    case 'word':
      if (b === undefined) return compareText(a.rank, RELEASE_RANK);
      return b.kind === 'word' ? compareText(a.rank, b.rank) : -1;
    case 'list':
      if (b === undefined) return compareLists(a.items, []);
      if (b.kind === 'number') return -1;
      if (b.kind === 'word') return 1;
      return compareLists(a.items, b.items);
    default:
      throw new StellaError('INTERNAL', `unknown Maven item ${JSON.stringify(a)}`);
  }
}

function compareLists(a: Item[], b: Item[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareItems(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseOrThrow(version: string): Item {
  const parsed = parse(version);
  if (parsed === undefined) {
    throw new StellaError('VERSION_INVALID', `"${version}" is not a valid Maven version (printable ASCII without blanks)`, {
      data: { ecosystem: 'Maven', version },
    });
  }
  return parsed;
}

/**
 * Maven's ordering: ComparableVersion's, as OSV ranges use it.
 *
 * @example
 *   mavenOrdering.compare('1.0-alpha-1', '1.0-beta-1'); // -1
 *   mavenOrdering.compare('1.0-SNAPSHOT', '1.0');       // -1
 *   mavenOrdering.compare('1.0.Final', '1');            // 0
 *   mavenOrdering.compare('1-1', '1.1');                // -1 (a sub-list is below a number)
 *   mavenOrdering.compare('1.0-sp1', '1.0');            // 1
 */
export const mavenOrdering: VersionOrdering = {
  ecosystem: 'Maven',
  isValid: (version) => parse(version) !== undefined,
  compare: (a, b) => Math.sign(compareItems(parseOrThrow(a), parseOrThrow(b))),
};
