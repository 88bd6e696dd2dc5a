/**
 * RubyGems version ordering, as `Gem::Version#<=>` orders versions
 * (https://guides.rubygems.org/patterns/#semantic-versioning and the
 * Gem::Version documentation).
 *
 * A version is `N(.X)*(-Y(.Y)*)?`: a number, then dot-separated runs of
 * letters and digits, then an optional hyphenated part that RubyGems reads
 * as `.pre.` (so `1.0-rc1` is `1.0.pre.rc1`), with surrounding whitespace
 * ignored. Its segments are the runs of digits (numbers) and of letters
 * (strings): `1.0.a10` and `1.0.a.10` are both [1, 0, "a", 10]. A string
 * makes the version a prerelease, because:
 *
 * - segments compare in turn, missing ones read as 0; a string sorts below
 *   a number, strings compare byte by byte (case matters: `B` < `a`);
 * - zeros ending the numeric part, and zeros ending the string part, are
 *   dropped first, so `1.0` = `1` and `1.0.a.0` = `1.a`, while `1.0.a` sorts
 *   below `1` (the `a` meets the missing 0).
 *
 * Gem::Version reads an empty or all-blank string as version 0; in an
 * advisory that is a defect, so Stella reports it as invalid instead.
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

/** A number (digit string, no leading zeros, "" is zero) or a string of letters. */
type Segment = { kind: 'number'; digits: string } | { kind: 'string'; text: string };

// Gem::Version's own pattern (ASCII blanks, as Ruby's \s).
const GEM_RE = /^[ \t\n\v\f\r]*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)[ \t\n\v\f\r]*$/;
const SEGMENT_RE = /[0-9]+|[a-zA-Z]+/g;

const ZERO: Segment = { kind: 'number', digits: '' };

function isZero(s: Segment): boolean {
  return s.kind === 'number' && s.digits === '';
}

function dropTrailingZeros(segments: Segment[]): Segment[] {
  let end = segments.length;
  while (end > 0 && isZero(segments[end - 1] as Segment)) end--;
  return segments.slice(0, end);
}

/** The canonical segments `<=>` compares. */
function parseUncached(version: string): Segment[] | undefined {
  const m = GEM_RE.exec(version);
  if (m === null) return undefined;
  const text = (m[1] ?? '').replaceAll('-', '.pre.');
  const segments: Segment[] = [];
  for (const [run] of text.matchAll(SEGMENT_RE)) {
    segments.push(/^[0-9]/.test(run) ? { kind: 'number', digits: run.replace(/^0+/, '') } : { kind: 'string', text: run });
  }
  // Trailing zeros go from the release numbers and from the prerelease part
  // separately: `1.0.a.0` = `1.a`, but the zero in `1.0.a.0.1` stays.
  const firstString = segments.findIndex((s) => s.kind === 'string');
  if (firstString === -1) return dropTrailingZeros(segments);
  return [...dropTrailingZeros(segments.slice(0, firstString)), ...dropTrailingZeros(segments.slice(firstString))];
}

function compareSegment(a: Segment, b: Segment): number {
  if (a.kind === 'number' && b.kind === 'number') {
    if (a.digits.length !== b.digits.length) return a.digits.length - b.digits.length;
    return a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0;
  }
  if (a.kind === 'string' && b.kind === 'string') return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  return a.kind === 'string' ? -1 : 1;
}

function compareParsed(a: Segment[], b: Segment[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareSegment(a[i] ?? ZERO, b[i] ?? ZERO);
    if (c !== 0) return c;
  }
  return 0;
}

function parseOrThrow(version: string): Segment[] {
  const parsed = parse(version);
  if (parsed === undefined) {
    throw new StellaError('VERSION_INVALID', `"${version}" is not a valid RubyGems version (Gem::Version pattern)`, {
      data: { ecosystem: 'RubyGems', version },
    });
  }
  return parsed;
}

/**
 * RubyGems' ordering, identical to `Gem::Version#<=>`.
 *
 * @example
 *   rubygemsOrdering.compare('1.0.0.rc1', '1.0.0');  // -1 (a letter makes a prerelease)
 *   rubygemsOrdering.compare('1.0.a10', '1.0.a.10'); // 0
 *   rubygemsOrdering.compare('3.2', '3.10');         // -1
 *   rubygemsOrdering.compare('1.0-rc1', '1.0.pre.rc1'); // 0
 */
export const rubygemsOrdering: VersionOrdering = {
  ecosystem: 'RubyGems',
  isValid: (version) => parse(version) !== undefined,
  compare: (a, b) => Math.sign(compareParsed(parseOrThrow(a), parseOrThrow(b))),
};
