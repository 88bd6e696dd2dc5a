/**
 * Packagist (Composer) version ordering as OSV applies it: PHP's
 * `version_compare` (https://www.php.net/manual/en/function.version-compare.php).
 *
 * The version is canonicalised into parts: `-`, `_`, `+` and any other
 * non-alphanumeric become `.`, and a `.` is inserted wherever a digit run
 * meets a non-digit run (`1.0rc1` → `1.0.rc.1`). Parts are compared left to
 * right: two numbers numerically; two words by their special form, matched
 * by prefix and case-sensitively — any other word < `dev` < `alpha` = `a` <
 * `beta` = `b` < `RC` = `rc` < `#` < `pl` = `p`; a number against a word as
 * if the number were `#`. When one version runs out, the other's next part
 * decides: a number makes it newer, a word is weighed against `#` (so
 * `1.0-beta` < `1.0` < `1.0-pl1`).
 *
 * OSV departs from PHP in three ways, and so do we, because OSV's answers
 * are the ones advisories were written against:
 * - a leading `v` or `V` is ignored (`v1.2` = `1.2`);
 * - numbers are compared at any size (PHP saturates at 2^63-1);
 * - `#` is kept as its own special form rather than turned into `.`
 *   (`1.2.3.#` = `1.2.3`), which also keeps the ordering reflexive where
 *   PHP's is not (`version_compare('1.0.#', '1.0.#')` is -1 in PHP).
 *
 * Validity: `version_compare` orders any string, so validity is ours. A
 * version starts with a letter or digit, holds only letters, digits and
 * `._+-#`, and does not end with a separator. That keeps branch versions
 * such as `dev-main` and rejects what is not a version at all: empty
 * strings, whitespace, constraint syntax (`^1.0`, `>=2`, `1.*`, `1.0@dev`,
 * `1.0 || 2.0`), and other punctuation, on which PHP and OSV canonicalise
 * differently (PHP keeps a `/` after a digit as a part of its own, for one).
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

/** A canonical part: a digit run, or a word (letters and `#`). */
type Part = { kind: 'number'; digits: string } | { kind: 'word'; rank: number };

const VALID_RE = /^[A-Za-z0-9][A-Za-z0-9._+#-]*$/;
const TRAILING_SEPARATOR_RE = /[._+-]$/;
// A `v` is a prefix only in front of a number: `vendor-1` stays a word.
const V_PREFIX_RE = /^[vV](?=[0-9])/;

// PHP's special forms, in the order PHP tries them: the first whose name
// is a prefix of the word wins (`bedrock` is `b`, `post1` is `p`).
const SPECIAL_FORMS: readonly (readonly [string, number])[] = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];
const UNKNOWN_RANK = -1;
/** A number weighs as `#` against a word, and so does the end of a version. */
const NUMBER_RANK = 4;

function rankOf(word: string): number {
  for (const [name, rank] of SPECIAL_FORMS) {
    if (word.startsWith(name)) return rank;
  }
  return UNKNOWN_RANK;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isWordChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '#';
}

/** PHP's canonicalisation, as a list of parts instead of a dotted string. */
function parseUncached(version: string): Part[] | undefined {
  if (!VALID_RE.test(version) || TRAILING_SEPARATOR_RE.test(version)) return undefined;
  const text = version.replace(V_PREFIX_RE, '');
  const parts: Part[] = [];
  let run = '';
  const flush = (): void => {
    if (run === '') return;
    parts.push(isDigit(run.charAt(0)) ? { kind: 'number', digits: run.replace(/^0+(?=.)/, '') } : { kind: 'word', rank: rankOf(run) });
    run = '';
  };
  for (const c of text) {
    if (!isDigit(c) && !isWordChar(c)) {
      flush(); // a separator; runs of them collapse, as PHP's `.` do
    } else {
      // A digit meeting a non-digit (or the reverse) starts a new part.
      if (run !== '' && isDigit(c) !== isDigit(run.charAt(0))) flush();
      run += c;
    }
  }
  flush();
  return parts;
}

/** Digit strings without leading zeros, of any length. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function weight(part: Part): number {
  return part.kind === 'number' ? NUMBER_RANK : part.rank;
}

function comparePart(a: Part, b: Part): number {
  if (a.kind === 'number' && b.kind === 'number') return compareDigits(a.digits, b.digits);
  return weight(a) - weight(b);
}

/** How the parts left over after a common prefix weigh against "nothing more". */
function compareTail(rest: Part[]): number {
  for (const part of rest) {
    // A further number is always newer; a word is held against `#`, and an
    // equal one passes the decision on to the next part.
    if (part.kind === 'number') return 1;
    const c = part.rank - NUMBER_RANK;
    if (c !== 0) return c;
  }
  return 0;
}

function compareParts(a: Part[], b: Part[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = comparePart(a[i] as Part, b[i] as Part);
    if (c !== 0) return c;
  }
  if (a.length > n) return compareTail(a.slice(n));
  if (b.length > n) return -compareTail(b.slice(n));
  return 0;
}

function sign(c: number): number {
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

function parseOrThrow(version: string): Part[] {
  const parts = parse(version);
  if (parts === undefined) {
    throw new StellaError(
      'VERSION_INVALID',
      `"${version}" is not a valid Packagist version: expected letters, digits and ._+-# starting with a letter or digit (a version, not a constraint)`,
      { data: { ecosystem: 'Packagist', version } },
    );
  }
  return parts;
}

/**
 * Packagist's ordering: PHP `version_compare` as OSV applies it.
 *
 * @example
 *   packagistOrdering.compare('1.0-dev', '1.0a1');   // -1 (dev < alpha)
 *   packagistOrdering.compare('1.0RC1', '1.0rc1');   // 0
 *   packagistOrdering.compare('1.0', '1.0pl1');      // -1 (patch level after the release)
 *   packagistOrdering.compare('v1.2.3', '1.2.3');    // 0
 *   packagistOrdering.isValid('^1.0');               // false (a constraint)
 */
export const packagistOrdering: VersionOrdering = {
  ecosystem: 'Packagist',
  isValid: (version) => parse(version) !== undefined,
  compare: (a, b) => sign(compareParts(parseOrThrow(a), parseOrThrow(b))),
};
