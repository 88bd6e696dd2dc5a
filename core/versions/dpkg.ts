/**
 * Debian version ordering, the same as `dpkg --compare-versions`:
 * `[epoch:]upstream[-revision]`, epochs compared as numbers, then upstream,
 * then revision, each with dpkg's algorithm: alternating runs of non-digits
 * (compared character by character: `~` below everything, even the end of
 * the string; letters below all other characters) and digits (compared as
 * numbers, leading zeros ignored).
 *
 * Validation is dpkg's parser with its warnings treated as errors, which is
 * what dpkg itself does when it installs a package: no empty parts, epoch a
 * number up to INT_MAX, upstream starting with a digit and made of
 * alphanumerics and `.+-~:`, revision of alphanumerics and `.+~`.
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

interface DebVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

const INT_MAX = 2147483647;
// dpkg trims blanks (space, tab) at both ends and refuses blanks inside;
// other control characters fail the character checks below.
const TOKEN_RE = /^[ \t]*([^ \t]+)[ \t]*$/;
// dpkg reads the epoch with strtol, which takes a sign.
const EPOCH_RE = /^[+-]?[0-9]+$/;
const UPSTREAM_RE = /^[0-9][0-9A-Za-z.+~:-]*$/;
const REVISION_RE = /^[0-9A-Za-z.+~]*$/;

function parseUncached(version: string): DebVersion | undefined {
  const token = TOKEN_RE.exec(version)?.[1];
  if (token === undefined) return undefined;
  let epoch = 0;
  let rest = token;
  const colon = token.indexOf(':');
  if (colon !== -1) {
    const epochText = token.slice(0, colon);
    if (!EPOCH_RE.test(epochText)) return undefined;
    epoch = Number(epochText);
    // `-0` is what strtol reads as zero, and dpkg accepts it.
    if (epoch < 0 || epoch > INT_MAX) return undefined;
    epoch = Math.abs(epoch);
    rest = token.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const revision = hyphen === -1 ? '' : rest.slice(hyphen + 1);
  if (hyphen !== -1 && revision === '') return undefined;
  if (!UPSTREAM_RE.test(upstream) || !REVISION_RE.test(revision)) return undefined;
  return { epoch, upstream, revision };
}

const CODE_0 = 48;
const CODE_9 = 57;
const CODE_TILDE = 126;

function isDigit(c: number): boolean {
  return c >= CODE_0 && c <= CODE_9;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** dpkg's weight of one character in a non-digit run; NaN (end of string) weighs 0. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0;
  if (isLetter(c)) return c;
  if (c === CODE_TILDE) return -1;
  return c + 256;
}

/** dpkg's verrevcmp over one part (upstream or revision). */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit run: position by position; a shorter run ends with weight 0.
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const diff = order(a.charCodeAt(i)) - order(b.charCodeAt(j));
      if (diff !== 0) return diff;
      i++;
      j++;
    }
    // Digit run: numerically, without converting, so no length limit applies.
    while (a.charCodeAt(i) === CODE_0) i++;
    while (b.charCodeAt(j) === CODE_0) j++;
    let firstDiff = 0;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

function compareParsed(a: DebVersion, b: DebVersion): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  return compareFragment(a.upstream, b.upstream) || compareFragment(a.revision, b.revision);
}

function createDpkgOrdering(ecosystem: string): VersionOrdering {
  const parseOrThrow = (version: string): DebVersion => {
    const parsed = parse(version);
    if (parsed === undefined) {
      throw new StellaError('VERSION_INVALID', `"${version}" is not a valid ${ecosystem} (dpkg) version`, {
        data: { ecosystem, version },
      });
    }
    return parsed;
  };
  return {
    ecosystem,
    isValid: (version) => parse(version) !== undefined,
    compare: (a, b) => Math.sign(compareParsed(parseOrThrow(a), parseOrThrow(b))),
  };
}

/**
 * Debian's ordering, identical to `dpkg --compare-versions`.
 *
 * @example
 *   dpkgOrdering.compare('1.2.3-1~deb7u1', '1.2.3-1'); // -1 (`~` sorts first)
 *   dpkgOrdering.compare('1:0.9', '2.0');              // 1  (epoch wins)
 *   dpkgOrdering.compare('1.0', '1.0-0');              // 0
 */
export const dpkgOrdering: VersionOrdering = createDpkgOrdering('Debian');

/**
 * Ubuntu's ordering: dpkg's, under Ubuntu's ecosystem name.
 *
 * @example
 *   ubuntuOrdering.compare('2.7.4-13ubuntu1', '2.7.4-13+deb9u1'); // -1
 */
export const ubuntuOrdering: VersionOrdering = createDpkgOrdering('Ubuntu');
