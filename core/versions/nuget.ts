/**
 * NuGet version ordering (https://learn.microsoft.com/nuget/concepts/package-versioning):
 * SemVer 2.0.0 widened the way NuGet widens it.
 *
 * - One to four numeric parts (`1`, `1.0`, `1.0.0`, `1.0.0.0`); missing parts
 *   are zero and leading zeros are ignored, so `1.01` = `1.1.0.0`.
 * - Prerelease labels after `-`, dot-separated: a version with labels sorts
 *   below the same version without; labels compare one by one, all-digit
 *   labels numerically and below the others, the others case-insensitively
 *   (`1.0.0-BETA` = `1.0.0-beta`); a shorter set of labels sorts first.
 * - Build metadata after `+` is ignored.
 *
 * NuGet caps each part at 2^31-1; Stella compares digit strings of any
 * length instead, which orders every real NuGet version the same and does
 * not turn a longer number into a parse failure in a feed.
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

interface NugetVersion {
  /** Four digit strings without leading zeros ("" is zero). */
  parts: string[];
  /** Prerelease labels, uppercased; empty for a release. */
  labels: string[];
}

const IDENT = '[0-9A-Za-z-]+';
const NUGET_RE = new RegExp(`^([0-9]+(?:\\.[0-9]+){0,3})(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+${IDENT}(?:\\.${IDENT})*)?$`);
const DIGITS_RE = /^[0-9]+$/;

function parseUncached(version: string): NugetVersion | undefined {
  const m = NUGET_RE.exec(version);
  if (m === null) return undefined;
  const parts = (m[1] ?? '0').split('.').map((p) => p.replace(/^0+/, ''));
  while (parts.length < 4) parts.push('');
  // Labels compare ignoring case; uppercasing ASCII letters keeps `-` and
  // digits below every letter either way.
  return { parts, labels: m[2] === undefined ? [] : m[2].toUpperCase().split('.') };
}

function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareLabel(a: string, b: string): number {
  const aNum = DIGITS_RE.test(a);
  const bNum = DIGITS_RE.test(b);
  if (aNum && bNum) return compareDigits(a.replace(/^0+/, ''), b.replace(/^0+/, ''));
  if (aNum !== bNum) return aNum ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareParsed(a: NugetVersion, b: NugetVersion): number {
  for (let i = 0; i < 4; i++) {
    const c = compareDigits(a.parts[i] ?? '', b.parts[i] ?? '');
    if (c !== 0) return c;
  }
  // A release sorts above any of its prereleases.
  if (a.labels.length === 0 || b.labels.length === 0) return b.labels.length - a.labels.length;
  const n = Math.min(a.labels.length, b.labels.length);
  for (let i = 0; i < n; i++) {
    const c = compareLabel(a.labels[i] ?? '', b.labels[i] ?? '');
    if (c !== 0) return c;
  }
  return a.labels.length - b.labels.length;
}

function parseOrThrow(version: string): NugetVersion {
  const parsed = parse(version);
  if (parsed === undefined) {
    throw new StellaError(
      'VERSION_INVALID',
      `"${version}" is not a valid NuGet version (1 to 4 numbers, then optional -prerelease and +metadata)`,
      { data: { ecosystem: 'NuGet', version } },
    );
  }
  return parsed;
}

/**
 * NuGet's ordering: SemVer 2.0.0 precedence over up to four numeric parts,
 * prerelease labels compared ignoring case, metadata ignored.
 *
 * @example
 *   nugetOrdering.compare('1.0', '1.0.0.0');               // 0
 *   nugetOrdering.compare('1.0.0-BETA', '1.0.0-beta');     // 0
 *   nugetOrdering.compare('1.0.0-beta.2', '1.0.0-beta.10'); // -1
 *   nugetOrdering.compare('1.0.0', '1.0.0.1-alpha');       // -1
 *   nugetOrdering.compare('1.0.7+r3456', '1.0.7');         // 0
 */
export const nugetOrdering: VersionOrdering = {
  ecosystem: 'NuGet',
  isValid: (version) => parse(version) !== undefined,
  compare: (a, b) => Math.sign(compareParsed(parseOrThrow(a), parseOrThrow(b))),
};
