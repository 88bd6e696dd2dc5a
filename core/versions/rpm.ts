/**
 * RPM version ordering, the same as `rpm.labelCompare` (rpm's Python
 * binding) over versions split the way rpm splits an EVR string.
 *
 * Splitting (rpm's `parseEVR`): the digits before a first `:` are the
 * epoch (missing or empty: 0); after that, everything up to the last `-`
 * is the version and the rest the release (`1:2.3-4.el9` → `1`, `2.3`,
 * `4.el9`). A `:` after anything but digits is part of the version.
 *
 * Comparison: epoch, then version, then release, each with `rpmvercmp`;
 * a missing release sorts before any release, even an empty one (`1.0` <
 * `1.0-` < `1.0-0`). `rpmvercmp` splits a string into runs of ASCII
 * digits and runs of ASCII letters, skipping everything else as a
 * separator, and compares run by run:
 * - `~` sorts before everything, even the end of the string
 *   (`1.0~rc1` < `1.0`);
 * - `^` sorts after the end of the string and before anything else
 *   (`1.0` < `1.0^git1` < `1.0.1`);
 * - digits against digits numerically (leading zeros ignored), letters
 *   against letters in ASCII order, and a digit run is newer than a letter
 *   run;
 * - separators only separate (`2.0` = `2_0`, `1.1.α` = `1.1.β`), and when
 *   all runs so far are equal the string with runs left over is newer.
 *
 * rpm orders any string, so validity is ours: a version has no whitespace
 * or control characters and a non-empty version part. Everything else,
 * including the odd strings peer tools test with (`+2-:`, `1.1.α`), is
 * ordered exactly as rpm orders it.
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

interface Evr {
  epoch: string;
  version: string;
  /** Undefined when there is no `-`: rpm then sorts it before any release. */
  release: string | undefined;
}

// Whitespace (any Unicode space) and C0/C1 controls: never in a package's EVR.
const FORBIDDEN_RE = /[\s\p{Cc}]/u;
const EPOCH_RE = /^([0-9]*):/;

function parseUncached(evr: string): Evr | undefined {
  if (evr === '' || FORBIDDEN_RE.test(evr)) return undefined;
  const epochMatch = EPOCH_RE.exec(evr);
  const epoch = epochMatch?.[1] || '0';
  const rest = epochMatch === null ? evr : evr.slice(epochMatch[0].length);
  const hyphen = rest.lastIndexOf('-');
  const version = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const release = hyphen === -1 ? undefined : rest.slice(hyphen + 1);
  if (version === '') return undefined;
  return { epoch, version, release };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const TILDE = 126;
const CARET = 94;

/** Compares two runs of digits numerically, without converting them. */
function compareDigitRuns(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** rpm's `rpmvercmp`: negative, zero or positive. */
function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Skip separators: anything that is not a letter, digit, `~` or `^`.
    while (i < a.length && !isSignificant(a.charCodeAt(i))) i++;
    while (j < b.length && !isSignificant(b.charCodeAt(j))) j++;
    const ca = a.charCodeAt(i); // NaN at the end
    const cb = b.charCodeAt(j);
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      // A caret sorts after the end of the string, before anything else.
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(ca);
    const inRun = numeric ? isDigit : isLetter;
    const startA = i;
    const startB = j;
    while (i < a.length && inRun(a.charCodeAt(i))) i++;
    while (j < b.length && inRun(b.charCodeAt(j))) j++;
    // Different kinds of run: the digits are newer.
    if (j === startB) return numeric ? 1 : -1;
    const runA = a.slice(startA, i);
    const runB = b.slice(startB, j);
    const c = numeric ? compareDigitRuns(runA, runB) : runA < runB ? -1 : runA > runB ? 1 : 0;
    if (c !== 0) return c;
  }
  // Equal so far: the string with anything left over is newer.
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function isSignificant(c: number): boolean {
  return isDigit(c) || isLetter(c) || c === TILDE || c === CARET;
}

function compareEvr(a: Evr, b: Evr): number {
  const epoch = rpmvercmp(a.epoch, b.epoch);
  if (epoch !== 0) return epoch;
  const version = rpmvercmp(a.version, b.version);
  if (version !== 0) return version;
  if (a.release === undefined || b.release === undefined) {
    return (a.release === undefined ? 0 : 1) - (b.release === undefined ? 0 : 1);
  }
  return rpmvercmp(a.release, b.release);
}

function sign(c: number): number {
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

function createRpmOrdering(ecosystem: string): VersionOrdering {
  const parseOrThrow = (version: string): Evr => {
    const parsed = parse(version);
    if (parsed === undefined) {
      throw new StellaError(
        'VERSION_INVALID',
        `"${version}" is not a valid ${ecosystem} (RPM) version: expected [epoch:]version[-release] with a non-empty version and no whitespace`,
        { data: { ecosystem, version } },
      );
    }
    return parsed;
  };
  return {
    ecosystem,
    isValid: (version) => parse(version) !== undefined,
    compare: (a, b) => sign(compareEvr(parseOrThrow(a), parseOrThrow(b))),
  };
}

/**
 * Red Hat's ordering: rpm's, epoch:version-release.
 *
 * @example
 *   redHatOrdering.compare('0:3.10.0-229.el7', '3.10.0-229.1.2.el7'); // -1
 *   redHatOrdering.compare('1:1.0-1', '2.0-1');                       // 1 (epoch first)
 *   redHatOrdering.compare('1.0~rc1-1', '1.0-1');                     // -1 (`~` sorts first)
 *   redHatOrdering.compare('1.0^git1', '1.0.1');                      // -1 (`^` after the base only)
 */
export const redHatOrdering: VersionOrdering = createRpmOrdering('Red Hat');

/**
 * AlmaLinux's ordering: rpm's.
 *
 * @example
 *   almaLinuxOrdering.compare('1.26.0-14.el8_3', '1:1.26.0-14.el8_3');   // -1
 *   almaLinuxOrdering.compare('102.13.0-2.el8_8.alma', '102.13.0-2.el8_8'); // 1
 */
export const almaLinuxOrdering: VersionOrdering = createRpmOrdering('AlmaLinux');

/**
 * Rocky Linux's ordering: rpm's.
 *
 * @example
 *   rockyLinuxOrdering.compare('5.14.0-70.13.1.el9_0', '5.14.0-70.22.1.el9_0'); // -1
 */
export const rockyLinuxOrdering: VersionOrdering = createRpmOrdering('Rocky Linux');

/**
 * openSUSE's ordering: rpm's (openSUSE publishes RPM EVRs).
 *
 * @example
 *   openSuseOrdering.compare('1.2.3-150400.3.1', '1.2.3-150400.3.10'); // -1
 */
export const openSuseOrdering: VersionOrdering = createRpmOrdering('openSUSE');

/**
 * SUSE's ordering: rpm's (SUSE Linux Enterprise publishes RPM EVRs).
 *
 * @example
 *   suseOrdering.compare('4.12.14-122.37.1', '4.12.14-122.106.1'); // -1
 */
export const suseOrdering: VersionOrdering = createRpmOrdering('SUSE');
