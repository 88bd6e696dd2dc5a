/**
 * Dart pub version ordering, as the `pub_semver` package defines it
 * (https://pub.dev/packages/pub_semver): SemVer 2.0.0 precedence, except
 * that build metadata sorts instead of being ignored.
 *
 * `major.minor.patch` compare numerically; a version with a prerelease
 * sorts below the same version without one; prerelease identifiers compare
 * one by one (numbers numerically and below words, words in ASCII order, a
 * missing identifier below a present one). Then build metadata: none sorts
 * below some (`1.0.0` < `1.0.0+1`), and two builds compare like
 * prereleases (`1.2.3+9` < `1.2.3+10` < `1.2.3+a`).
 *
 * The grammar is pub's, which is looser than SemVer in one way: numbers may
 * have leading zeros (`01` reads as 1). It is stricter in another: exactly
 * three components and no `v` prefix, as `pubspec.lock` files and pub.dev
 * carry them.
 *
 * pub reads identifiers with Dart's `int.tryParse`, which returns a number
 * for what fits in 64 bits and a word for anything longer; we do the same.
 * It also reads `-5` and `0x1f` as numbers (a sign; hexadecimal): such an
 * identifier is rejected as invalid rather than ordered by guess.
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

/** One dot-separated identifier: a number (digit string, no leading zeros) or a word. */
type Identifier = { kind: 'number'; digits: string } | { kind: 'word'; text: string };

interface PubVersion {
  major: string;
  minor: string;
  patch: string;
  prerelease: Identifier[];
  build: Identifier[];
}

const IDS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const PUB_RE = new RegExp(`^([0-9]+)\\.([0-9]+)\\.([0-9]+)(?:-(${IDS}))?(?:\\+(${IDS}))?$`);
// What Dart's int.tryParse reads as a number but not as a decimal one.
const DART_ODD_NUMBER_RE = /^-[0-9]+$|^-?0[xX][0-9A-Fa-f]+$/;
const DIGITS_RE = /^[0-9]+$/;
// Dart's int is 64-bit: pub refuses larger version numbers, and reads a
// larger identifier as a word.
const INT64_MAX = '9223372036854775807';

function stripZeros(digits: string): string {
  return digits.replace(/^0+(?=.)/, '');
}

/** Digit strings without leading zeros, of any length. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function fitsInt64(digits: string): boolean {
  return compareDigits(stripZeros(digits), INT64_MAX) <= 0;
}

function identifiers(text: string | undefined): Identifier[] | undefined {
  if (text === undefined) return [];
  const ids: Identifier[] = [];
  for (const part of text.split('.')) {
    if (DART_ODD_NUMBER_RE.test(part)) return undefined;
    ids.push(DIGITS_RE.test(part) && fitsInt64(part) ? { kind: 'number', digits: stripZeros(part) } : { kind: 'word', text: part });
  }
  return ids;
}

function parseUncached(version: string): PubVersion | undefined {
  const m = PUB_RE.exec(version);
  if (m === null) return undefined;
  const [, major = '', minor = '', patch = ''] = m;
  if (!fitsInt64(major) || !fitsInt64(minor) || !fitsInt64(patch)) return undefined;
  const prerelease = identifiers(m[4]);
  const build = identifiers(m[5]);
  if (prerelease === undefined || build === undefined) return undefined;
  return { major: stripZeros(major), minor: stripZeros(minor), patch: stripZeros(patch), prerelease, build };
}

function compareIdentifier(a: Identifier, b: Identifier): number {
  if (a.kind === 'number' && b.kind === 'number') return compareDigits(a.digits, b.digits);
  if (a.kind === 'number') return -1;
  if (b.kind === 'number') return 1;
  // Dart compares strings by UTF-16 code unit, as JavaScript does.
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

/** Identifier lists position by position; a missing identifier sorts first. */
function compareLists(a: Identifier[], b: Identifier[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareIdentifier(a[i] as Identifier, b[i] as Identifier);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareParsed(a: PubVersion, b: PubVersion): number {
  const core = compareDigits(a.major, b.major) || compareDigits(a.minor, b.minor) || compareDigits(a.patch, b.patch);
  if (core !== 0) return core;
  // A prerelease sorts before its release...
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    if (a.prerelease.length !== b.prerelease.length) return b.prerelease.length - a.prerelease.length;
  } else {
    const pre = compareLists(a.prerelease, b.prerelease);
    if (pre !== 0) return pre;
  }
  // ...but a build sorts after its absence: pub's departure from SemVer.
  return compareLists(a.build, b.build);
}

function sign(c: number): number {
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

function parseOrThrow(version: string): PubVersion {
  const parsed = parse(version);
  if (parsed === undefined) {
    throw new StellaError(
      'VERSION_INVALID',
      `"${version}" is not a valid Pub version: expected major.minor.patch[-prerelease][+build] as pub_semver parses it`,
      { data: { ecosystem: 'Pub', version } },
    );
  }
  return parsed;
}

/**
 * Pub's ordering: pub_semver precedence, build metadata included.
 *
 * @example
 *   pubOrdering.compare('1.0.0-pre', '1.0.0');       // -1
 *   pubOrdering.compare('1.0.0', '1.0.0+build');     // -1 (a build sorts after none)
 *   pubOrdering.compare('1.2.3+9', '1.2.3+a');       // -1 (numbers before words)
 *   pubOrdering.isValid('v1.2.3');                   // false (pub has no `v` prefix)
 */
export const pubOrdering: VersionOrdering = {
  ecosystem: 'Pub',
  isValid: (version) => parse(version) !== undefined,
  compare: (a, b) => sign(compareParsed(parseOrThrow(a), parseOrThrow(b))),
};
