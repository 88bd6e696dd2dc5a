/**
 * PyPI version ordering: PEP 440 (https://peps.python.org/pep-0440/), with
 * the pre-PEP 440 ("legacy") ordering of setuptools for the strings PEP 440
 * cannot read, as pip before 24.1 and the osv-scalibr vectors order them.
 *
 * PEP 440: `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, read through the
 * spec's normalisation rules (case-insensitive, leading `v`, surrounding
 * whitespace, `alpha`/`beta`/`c`/`pre`/`preview` spellings, `.`/`-`/`_`
 * separators or none, implicit numbers, `1.0-1` as a post-release). The
 * order: epoch, release (trailing zeros ignored), then a dev-only release
 * below every pre-release of the same release, pre-releases a < b < rc,
 * the final release, post-releases; a dev release below the version it
 * precedes; a local label above the same version without one.
 *
 * Legacy: PyPI still serves files uploaded before PEP 440 under versions
 * such as `0.9-doduo`, `1.0beta6.1` or `2013-02-01T20:50:46+0100`, and
 * advisories list them. They all sort below every PEP 440 version and
 * among themselves by setuptools' old key. We accept them only when made of
 * printable ASCII without blanks: anything else is reported as invalid.
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

interface Pep440Version {
  kind: 'pep440';
  /** Digit strings without leading zeros. */
  epoch: string;
  /** Release numbers with trailing zeros removed (`1.0.0` orders as `1`). */
  release: string[];
  /** Pre-release: 0 for a, 1 for b, 2 for rc, with its number. */
  pre: { rank: number; n: string } | undefined;
  post: string | undefined;
  dev: string | undefined;
  /** Local label segments, lowercased. */
  local: string[] | undefined;
}

interface LegacyVersion {
  kind: 'legacy';
  /** setuptools' comparison key: zero-padded numbers and `*`-prefixed words. */
  key: string[];
}

type PypiVersion = Pep440Version | LegacyVersion;

// PEP 440's permitted spellings, written as one regex: each group is
// optional, separators between the parts are `.`, `-`, `_` or nothing, and a
// bare `-N` after the release is an implicit post-release.
const PEP440_RE = new RegExp(
  [
    '^[ \\t\\n\\r\\f\\v]*v?',
    '(?:([0-9]+)!)?', // epoch
    '([0-9]+(?:\\.[0-9]+)*)', // release
    '(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?', // pre-release
    '(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?', // post-release
    '(?:[-_.]?(dev)[-_.]?([0-9]+)?)?', // dev release
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?', // local label
    '[ \\t\\n\\r\\f\\v]*$',
  ].join(''),
  'i',
);
const LEGACY_RE = /^[\x21-\x7e]+$/;

// Maps, not object literals: words come from version strings, and
// "constructor" or "__proto__" must not find anything.
const PRE_RANK: ReadonlyMap<string, number> = new Map([
  ['a', 0], ['alpha', 0], ['b', 1], ['beta', 1], ['c', 2], ['rc', 2], ['pre', 2], ['preview', 2],
]);

function stripZeros(digits: string): string {
  const stripped = digits.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

function parsePep440(version: string): Pep440Version | undefined {
  const m = PEP440_RE.exec(version);
  if (m === null) return undefined;
  const [, epoch, release, preWord, preN, implicitPost, postWord, postN, devWord, devN, local] = m;
  const hasPost = implicitPost !== undefined || postWord !== undefined;
  const numbers = (release ?? '0').split('.').map(stripZeros);
  while (numbers.length > 0 && numbers[numbers.length - 1] === '0') numbers.pop();
  return {
    kind: 'pep440',
    epoch: stripZeros(epoch ?? '0'),
    release: numbers,
    pre: preWord === undefined ? undefined : { rank: PRE_RANK.get(preWord.toLowerCase()) ?? 0, n: stripZeros(preN ?? '0') },
    post: hasPost ? stripZeros(implicitPost ?? postN ?? '0') : undefined,
    dev: devWord === undefined ? undefined : stripZeros(devN ?? '0'),
    local: local?.toLowerCase().split(/[-_.]/),
  };
}

// setuptools' legacy key: the lowercased string cut into digit runs, letter
// runs, `.`, `-` and whatever lies between them; some words renamed so they
// sort as pre-releases (`@` and `c` below `final`), `-` read as `final-`.
const LEGACY_TOKEN_RE = /[0-9]+|[a-z]+|\.|-/g;
const LEGACY_RENAME: ReadonlyMap<string, string> = new Map([
  ['pre', 'c'], ['preview', 'c'], ['rc', 'c'], ['dev', '@'], ['-', 'final-'],
]);

function legacyTokens(text: string): string[] {
  const tokens: string[] = [];
  let last = 0;
  for (const m of text.matchAll(LEGACY_TOKEN_RE)) {
    if (m.index > last) tokens.push(text.slice(last, m.index));
    tokens.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) tokens.push(text.slice(last));
  return tokens;
}

function parseLegacy(version: string): LegacyVersion | undefined {
  if (!LEGACY_RE.test(version)) return undefined;
  const key: string[] = [];
  const words = legacyTokens(version.toLowerCase()).map((t) => LEGACY_RENAME.get(t) ?? t);
  words.push('final');
  for (const word of words) {
    if (word === '.') continue;
    // Numbers are padded to eight digits and then compared as text, as
    // setuptools did: a longer number is not always the larger one.
    if (/^[0-9]/.test(word)) {
      key.push(word.padStart(8, '0'));
      continue;
    }
    const part = `*${word}`;
    // A pre-release word drops the `final-` a hyphen left before it, and
    // any word drops the zeros that end the number series before it.
    if (part < '*final') while (key[key.length - 1] === '*final-') key.pop();
    while (key[key.length - 1] === '00000000') key.pop();
    key.push(part);
  }
  return { kind: 'legacy', key };
}

function parseUncached(version: string): PypiVersion | undefined {
  return parsePep440(version) ?? parseLegacy(version);
}

function compareNumeric(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareLists<T>(a: readonly T[], b: readonly T[], item: (x: T, y: T) => number): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = item(a[i] as T, b[i] as T);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * The pre-release slot: a dev release of a final version (`1.0.dev1`) sorts
 * below all its pre-releases, a version without a pre-release above them.
 */
function compareStage(a: Pep440Version, b: Pep440Version): number {
  const tier = (v: Pep440Version): number =>
    v.pre !== undefined ? 0 : v.post === undefined && v.dev !== undefined ? -1 : 1;
  const t = tier(a) - tier(b);
  if (t !== 0 || a.pre === undefined || b.pre === undefined) return t;
  return a.pre.rank - b.pre.rank || compareNumeric(a.pre.n, b.pre.n);
}

/** Absent sorts as `absent` (-1 below every value, 1 above). */
function compareOptional(a: string | undefined, b: string | undefined, absent: -1 | 1): number {
  if (a === undefined || b === undefined) return (a === undefined ? absent : 0) - (b === undefined ? absent : 0);
  return compareNumeric(a, b);
}

const DIGITS_RE = /^[0-9]+$/;

/** Local segments: numbers numerically and above words; words as text. */
function compareLocalSegment(a: string, b: string): number {
  const aNum = DIGITS_RE.test(a);
  const bNum = DIGITS_RE.test(b);
  if (aNum && bNum) return compareNumeric(stripZeros(a), stripZeros(b));
  if (aNum !== bNum) return aNum ? 1 : -1;
  return compareText(a, b);
}

function comparePep440(a: Pep440Version, b: Pep440Version): number {
  return (
    compareNumeric(a.epoch, b.epoch) ||
    compareLists(a.release, b.release, compareNumeric) ||
    compareStage(a, b) ||
    compareOptional(a.post, b.post, -1) ||
    compareOptional(a.dev, b.dev, 1) ||
    (a.local === undefined || b.local === undefined
      ? (a.local === undefined ? -1 : 0) - (b.local === undefined ? -1 : 0)
      : compareLists(a.local, b.local, compareLocalSegment))
  );
}

function compareParsed(a: PypiVersion, b: PypiVersion): number {
  // Legacy versions carry an epoch of -1: below every PEP 440 version.
  if (a.kind === 'legacy' || b.kind === 'legacy') {
    if (a.kind === 'legacy' && b.kind === 'legacy') return compareLists(a.key, b.key, compareText);
    return a.kind === 'legacy' ? -1 : 1;
  }
  return comparePep440(a, b);
}

function parseOrThrow(version: string): PypiVersion {
  const parsed = parse(version);
  if (parsed === undefined) {
    throw new StellaError(
      'VERSION_INVALID',
      `"${version}" is not a valid PyPI version (PEP 440, or a pre-PEP 440 version of printable ASCII without blanks)`,
      { data: { ecosystem: 'PyPI', version } },
    );
  }
  return parsed;
}

/**
 * PyPI's ordering: PEP 440, with setuptools' legacy ordering (below every
 * PEP 440 version) for older non-conforming versions.
 *
 * @example
 *   pypiOrdering.compare('1.0.dev0', '1.0a1');     // -1
 *   pypiOrdering.compare('1.0-post1', '1.0.post1'); // 0
 *   pypiOrdering.compare('v1.0.RC1', '1.0rc1');     // 0
 *   pypiOrdering.compare('1!0.1', '2.0');           // 1 (epoch first)
 *   pypiOrdering.compare('0.9-doduo', '0.1');       // -1 (legacy below PEP 440)
 */
export const pypiOrdering: VersionOrdering = {
  ecosystem: 'PyPI',
  isValid: (version) => parse(version) !== undefined,
  compare: (a, b) => Math.sign(compareParsed(parseOrThrow(a), parseOrThrow(b))),
};
