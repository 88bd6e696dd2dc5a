/**
 * SemVer 2.0.0 precedence (https://semver.org/#spec-item-11) as npm and
 * crates.io order versions: major.minor.patch compared numerically, a
 * version with a prerelease sorts below the same version without one,
 * prerelease identifiers compared one by one (numeric below alphanumeric,
 * numeric numerically, alphanumeric in ASCII order, a shorter set below a
 * longer one with the same prefix), build metadata ignored.
 *
 * The two orderings differ only in what they accept: npm's loose parser
 * tolerates a leading `v`, `=` and whitespace (lockfiles and advisories
 * carry `v1.2.3` now and then); Cargo's parser accepts the bare grammar.
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/** A parsed version; numbers stay digit strings so any size compares exactly. */
export interface SemVer {
  major: string;
  minor: string;
  patch: string;
  /** Empty for a release. */
  prerelease: string[];
}

// npm refuses longer version strings (semver's MAX_LENGTH); so do we, which
// also bounds the work a hostile record can ask of the regex.
const MAX_LENGTH = 256;

// The SemVer 2.0.0 grammar: no leading zeros in numeric identifiers, no
// empty identifiers. Numbers are not bounded: npm caps them at 2^53-1 and
// Cargo at 2^64-1, so a larger one never comes from those registries, and
// comparing digit strings keeps even those exact.
const NUM = '0|[1-9][0-9]*';
const PRE_ID = `(?:${NUM}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
const BUILD_ID = '[0-9A-Za-z-]+';
const SEMVER_RE = new RegExp(
  `^(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?$`,
);
// npm's loose mode strips any run of `v`, `=` and whitespace in front.
const LOOSE_PREFIX_RE = /^[v=\s]+/;
const DIGITS_RE = /^[0-9]+$/;

function parse(version: string, loosePrefix: boolean): SemVer | undefined {
  if (version.length > MAX_LENGTH) return undefined;
  const text = loosePrefix ? version.trim().replace(LOOSE_PREFIX_RE, '') : version;
  const m = SEMVER_RE.exec(text);
  if (m === null) return undefined;
  return {
    major: m[1] ?? '0',
    minor: m[2] ?? '0',
    patch: m[3] ?? '0',
    prerelease: m[4] === undefined ? [] : m[4].split('.'),
  };
}

/** Compares two digit strings without leading zeros, of any length. */
function compareNumeric(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareIdentifier(a: string, b: string): number {
  const aNum = DIGITS_RE.test(a);
  const bNum = DIGITS_RE.test(b);
  if (aNum && bNum) return compareNumeric(a, b);
  if (aNum) return -1;
  if (bNum) return 1;
  // Identifiers are ASCII, so UTF-16 code-unit order is ASCII order.
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrerelease(a: string[], b: string[]): number {
  // A release sorts above any of its prereleases.
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareIdentifier(a[i] ?? '', b[i] ?? '');
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * SemVer 2.0.0 precedence of two parsed versions: negative, zero or positive
 * as `a` sorts before, equal to, or after `b` (not normalised to -1/0/1).
 * Go's ordering uses it too: x/mod/semver orders by the same rules.
 *
 * @example
 *   compareSemVer({ major: '1', minor: '0', patch: '0', prerelease: ['beta', '2'] }, { major: '1', minor: '0', patch: '0', prerelease: ['beta', '11'] }); // < 0
 */
export function compareSemVer(a: SemVer, b: SemVer): number {
  return (
    compareNumeric(a.major, b.major) ||
    compareNumeric(a.minor, b.minor) ||
    compareNumeric(a.patch, b.patch) ||
    comparePrerelease(a.prerelease, b.prerelease)
  );
}

export function createSemverOrdering(ecosystem: string, loosePrefix: boolean): VersionOrdering {
  const parseCached = memoizeParse((version: string) => parse(version, loosePrefix));
  const parseOrThrow = (version: string): SemVer => {
    const parsed = parseCached(version);
    if (parsed === undefined) {
      throw new StellaError('VERSION_INVALID', `"${version}" is not a valid ${ecosystem} (SemVer 2.0.0) version`, {
        data: { ecosystem, version },
      });
    }
    return parsed;
  };
  return {
    ecosystem,
    isValid: (version) => parse(version, loosePrefix) !== undefined,
    compare: (a, b) => Math.sign(compareSemVer(parseOrThrow(a), parseOrThrow(b))),
  };
}

/**
 * npm's ordering: SemVer 2.0.0 precedence, tolerating a leading `v` or `=`
 * as npm's loose parser does.
 *
 * @example
 *   semverOrdering.compare('1.0.0-beta.2', '1.0.0-beta.11'); // -1
 *   semverOrdering.compare('v1.2.3', '1.2.3+build.5');       // 0
 */
export const semverOrdering: VersionOrdering = createSemverOrdering('npm', true);

/**
 * crates.io's ordering: SemVer 2.0.0 precedence on Cargo's strict grammar
 * (no `v` prefix). Build metadata is ignored, as SemVer precedence and OSV
 * ranges require.
 *
 * @example
 *   cratesOrdering.compare('0.9.0', '0.10.0'); // -1
 *   cratesOrdering.isValid('v1.0.0');           // false
 */
export const cratesOrdering: VersionOrdering = createSemverOrdering('crates.io', false);
