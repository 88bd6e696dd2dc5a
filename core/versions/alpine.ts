/**
 * Alpine version ordering, as apk-tools orders package versions. The
 * format (apk-package(5)) is
 *
 *   number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}
 *
 * read as a stream of tokens: the first number, further `.number`s, one
 * lowercase letter, `_suffix` names each with an optional number, a `~`
 * commit hash of lowercase hex digits, and the `-rN` package revision.
 *
 * Two versions are compared token by token while both have a token of the
 * same kind: numbers numerically — except a `.number` where either side
 * starts with `0`, which compares as a string, Gentoo-style (`1.02` <
 * `1.1`); letters by character; suffixes in the order `_alpha` < `_beta` <
 * `_pre` < `_rc` < (none) < `_cvs` < `_svn` < `_git` < `_hg` < `_p`;
 * hashes as strings. When the kinds differ, or one version ends, the
 * version that goes on with a pre-release suffix is older, and otherwise
 * the one whose next token comes earlier in the format is newer: `1.2.1` >
 * `1.2a` > `1.2_p1` > `1.2-r1` > `1.2` > `1.2_rc1`.
 *
 * Alpine's security database also holds two older forms, which apk-tools
 * 2 read and OSV's Alpine converter accepts, so we accept them too:
 * - a number straight after the letter (`1.8.28p1`, sudo): it continues
 *   the version like a `.number` compared numerically, so `5.1_p1` <
 *   `5.1p1` < `5.2`; nothing but suffixes, a hash and the revision may
 *   follow it;
 * - `.rN` for the revision (`10.2.22.r0`), the same as `-rN`.
 *
 * Anything else apk-tools refuses is invalid: uppercase letters, unknown
 * suffixes (`_blah`), empty components (`1..2`, `1.0.-r1`), a `-` not
 * starting `-r` and a number (`57-1-r2`), or no leading number (`.1`).
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

// Token kinds in the order the format allows them; the order is also the
// tie-break when two versions differ in kind at the same position.
const INITIAL = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NUMBER = 4;
const HASH = 5;
const REVISION = 6;
const END = 7;

interface Token {
  kind: number;
  text: string;
  /** For a number after a letter: compare numerically even with a leading zero. */
  plainNumber?: boolean;
}

// `(none)` sits between the pre-release and the post-release suffixes.
const SUFFIX_RANK: ReadonlyMap<string, number> = new Map([
  ['alpha', 1],
  ['beta', 2],
  ['pre', 3],
  ['rc', 4],
  ['cvs', 6],
  ['svn', 7],
  ['git', 8],
  ['hg', 9],
  ['p', 10],
]);
const NO_SUFFIX_RANK = 5;

// Sticky patterns read at a position without slicing, so a long hostile
// string costs linear time.
const DIGITS_Y = /[0-9]+/y;
const SUFFIX_NAME_Y = /[a-z]*/y;
const HEX_Y = /[0-9a-f]+/y;
const DOT_REVISION_Y = /\.r([0-9]+)$/y;
const DASH_REVISION_Y = /-r([0-9]+)/y;

/** The match of a sticky pattern at `pos` (group 1 if it has one), or undefined. */
function readAt(pattern: RegExp, text: string, pos: number): string | undefined {
  pattern.lastIndex = pos;
  const m = pattern.exec(text);
  return m === null ? undefined : (m[1] ?? m[0]);
}

function isLowerLetter(c: string): boolean {
  return c >= 'a' && c <= 'z';
}

/** The version's tokens, or undefined when apk-tools would not accept it. */
function tokenize(version: string): Token[] | undefined {
  const first = readAt(DIGITS_Y, version, 0);
  if (first === undefined) return undefined;
  const tokens: Token[] = [{ kind: INITIAL, text: first }];
  let last = INITIAL;
  let afterLetterNumber = false;
  let pos = first.length;
  const push = (kind: number, text: string, length: number, plainNumber = false): void => {
    tokens.push(plainNumber ? { kind, text, plainNumber } : { kind, text });
    last = kind;
    pos += length;
  };
  while (pos < version.length) {
    const c = version.charAt(pos);
    if (isLowerLetter(c)) {
      if (last > DIGIT || afterLetterNumber) return undefined;
      push(LETTER, c, 1);
      const digits = readAt(DIGITS_Y, version, pos);
      if (digits !== undefined) {
        push(DIGIT, digits, digits.length, true);
        afterLetterNumber = true;
      }
    } else if (c === '.') {
      const revision = readAt(DOT_REVISION_Y, version, pos);
      if (revision !== undefined) {
        push(REVISION, revision, version.length - pos);
      } else {
        const digits = readAt(DIGITS_Y, version, pos + 1);
        if (last > DIGIT || afterLetterNumber || digits === undefined) return undefined;
        push(DIGIT, digits, 1 + digits.length);
      }
    } else if (c === '_') {
      const name = readAt(SUFFIX_NAME_Y, version, pos + 1) ?? '';
      if (last > SUFFIX_NUMBER || !SUFFIX_RANK.has(name)) return undefined;
      push(SUFFIX, name, 1 + name.length);
      const digits = readAt(DIGITS_Y, version, pos);
      if (digits !== undefined) push(SUFFIX_NUMBER, digits, digits.length);
    } else if (c === '~') {
      const hash = readAt(HEX_Y, version, pos + 1);
      if (last >= HASH || hash === undefined) return undefined;
      push(HASH, hash, 1 + hash.length);
    } else if (c === '-') {
      const revision = readAt(DASH_REVISION_Y, version, pos);
      if (last >= REVISION || revision === undefined) return undefined;
      push(REVISION, revision, 2 + revision.length);
    } else {
      return undefined;
    }
  }
  return tokens;
}

function suffixRank(token: Token): number {
  return SUFFIX_RANK.get(token.text) ?? NO_SUFFIX_RANK;
}

/** Digit strings of any length, leading zeros ignored. */
function compareNumbers(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Byte order, a prefix first (apk's blob sort). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTokens(a: Token, b: Token): number {
  switch (a.kind) {
    case DIGIT:
      if (a.plainNumber !== true && (a.text.startsWith('0') || b.text.startsWith('0'))) return compareStrings(a.text, b.text);
      return compareNumbers(a.text, b.text);
    case INITIAL:
    case SUFFIX_NUMBER:
    case REVISION:
      return compareNumbers(a.text, b.text);
    case SUFFIX:
      return suffixRank(a) - suffixRank(b);
    case LETTER:
    case HASH:
      return compareStrings(a.text, b.text);
    default:
      throw new StellaError('INTERNAL', `unknown Alpine version token kind ${a.kind}`);
  }
}

function isPreRelease(token: Token | undefined): boolean {
  return token?.kind === SUFFIX && suffixRank(token) < NO_SUFFIX_RANK;
}

function compareTokenStreams(a: Token[], b: Token[]): number {
  let i = 0;
  for (; i < a.length && i < b.length && a[i]?.kind === b[i]?.kind; i++) {
    const c = compareTokens(a[i] as Token, b[i] as Token);
    if (c !== 0) return c;
  }
  const ta = a[i];
  const tb = b[i];
  if (ta === undefined && tb === undefined) return 0;
  if (isPreRelease(ta)) return -1;
  if (isPreRelease(tb)) return 1;
  // The version going on with the earlier kind of token is the newer one.
  return (tb?.kind ?? END) - (ta?.kind ?? END);
}

function sign(c: number): number {
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/** Tokenising, once per distinct string (see memo.ts). */
const tokenizeCached = memoizeParse(tokenize);

function tokenizeOrThrow(version: string): Token[] {
  const tokens = tokenizeCached(version);
  if (tokens === undefined) {
    throw new StellaError(
      'VERSION_INVALID',
      `"${version}" is not a valid Alpine version: expected number{.number}[letter]{_suffix[number]}[~hash][-rN] as apk-tools reads it`,
      { data: { ecosystem: 'Alpine', version } },
    );
  }
  return tokens;
}

/**
 * Alpine's ordering, as apk-tools orders package versions.
 *
 * @example
 *   alpineOrdering.compare('1.2_rc1', '1.2');          // -1 (pre-release suffix)
 *   alpineOrdering.compare('1.2', '1.2_p1');           // -1 (post-release suffix)
 *   alpineOrdering.compare('2.3.0b-r1', '2.3.0b-r2');  // -1 (revision)
 *   alpineOrdering.compare('6.6.2_p1', '6.6.2p1');     // -1 (a letter outranks a suffix)
 *   alpineOrdering.isValid('1.2_blah');                // false
 */
export const alpineOrdering: VersionOrdering = {
  ecosystem: 'Alpine',
  isValid: (version) => tokenize(version) !== undefined,
  compare: (a, b) => sign(compareTokenStreams(tokenizeOrThrow(a), tokenizeOrThrow(b))),
};
