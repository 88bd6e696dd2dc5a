/**
 * Reads the Debian security tracker's advisory lists (`data/DSA/list`,
 * `data/DLA/list`) into checked entries. The format is the tracker's own:
 *
 *   [29 Mar 2023] DSA-5380-1 xorg-server - security update
 *   	{CVE-2023-1393}
 *   	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
 *   	[buster] - libgda <not-affected> (Does not contain the vulnerable code)
 *   	NOTE: free text
 *
 * An entry is a header at column 0 and the indented lines below it. The
 * files were written by hand over twenty years, so indentation is tabs or
 * spaces, old ids lack the `-N` revision, and a release line may end in a
 * parenthesised note (`(bug #322591; medium)`); all of that is accepted.
 * A header that cannot be read skips its whole entry; a bad indented line
 * skips only itself. Both are counted and described in `warnings`.
 *
 * Everything a caller gets back is checked once here: dates are real
 * calendar dates, releases are known, fixed versions are valid dpkg versions.
 *
 * @example
 *   const { entries, skipped } = parseDebianTrackerList(bytes, 'DSA/list');
 *   entries[0]; // { id: 'DSA-5380-1', date: '2023-03-29', cves: ['CVE-2023-1393'], releases: [ … ], … }
 */
import { StellaError } from '../../errors.js';
import { dpkgOrdering } from '../../versions/dpkg.js';
import { compareCveIds, isCveId } from '../kev/cve.js';
import { debianReleaseFor, type DebianRelease } from './releases.js';

/**
 * What one release line says about a source package in a release.
 *
 * @example
 *   { $case: 'fixed', version: '2:1.20.11-1+deb11u6' }
 */
export type ReleaseStatus =
  | { $case: 'fixed'; version: string }
  | { $case: 'not-affected' }
  | { $case: 'unfixed' }
  | { $case: 'end-of-life' };

/**
 * One `[codename] - package …` line.
 *
 * @example
 *   { release: debianReleaseFor('bullseye'), package: 'xorg-server', status: { $case: 'fixed', version: '2:1.20.11-1+deb11u6' }, line: 3 }
 */
export interface TrackerReleaseLine {
  release: DebianRelease;
  /** Source package name. */
  package: string;
  status: ReleaseStatus;
  /** The parenthesised note after the version or status, without the parentheses. */
  note?: string;
  /** 1-based line number in the list. */
  line: number;
}

/**
 * One advisory entry of a tracker list.
 *
 * @example
 *   { id: 'DSA-5380-1', date: '2023-03-29', title: 'xorg-server - security update', cves: ['CVE-2023-1393'], releases: [ … ], line: 1 }
 */
export interface TrackerEntry {
  /** `DSA-5380-1`, `DLA-3380-1`; very old DSAs have no revision (`DSA-135`). */
  id: string;
  /** The header date as `YYYY-MM-DD`. */
  date: string;
  /** The header text after the id, blanks collapsed (may be empty). */
  title: string;
  /** CVE ids from the `{…}` lines, without duplicates, in CVE order. */
  cves: string[];
  releases: TrackerReleaseLine[];
  /** 1-based line number of the header. */
  line: number;
}

/**
 * A parsed list: the usable entries and what was left out.
 *
 * @example
 *   { entries: [ … 5406 entries … ], skipped: 0, warnings: [] }
 */
export interface TrackerListParse {
  entries: TrackerEntry[];
  /** Entries and indented lines that could not be used. */
  skipped: number;
  /** One line per skipped item, naming the source and line (the first MAX_WARNINGS only). */
  warnings: string[];
}

/** A garbage file could give one warning per line; the first few say enough, `skipped` counts all. */
export const MAX_WARNINGS = 50;

const MONTHS = new Map(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => [m, i + 1]));
const HEADER_RE = /^\[(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})\] ((?:DSA|DLA)-\d+(?:-\d+)?)(?:\s+(.*))?$/;
const CVE_LINE_RE = /^\{([^{}]*)\}$/;
const RELEASE_RE = /^\[([a-z0-9-]+)\] - (\S+)(?:\s+(.*))?$/;
const STATUS_RE = /^<([a-z-]+)>$/;
const NOTE_RE = /^\((.*)\)$/;
// Debian policy 5.6.1; every name in the 2002–2023 lists follows it.
const SOURCE_PACKAGE_RE = /^[a-z0-9][a-z0-9+.-]+$/;
/** How much of the input the sniffer reads: the first header is on line 1. */
const SNIFF_BYTES = 1024;

/**
 * True when the bytes start like a tracker DSA/DLA list, so `stella feed
 * import` can tell the format from content rather than from a file name.
 * Reads only the first kilobyte.
 *
 * @example
 *   isDebianTrackerList(new TextEncoder().encode('[29 Mar 2023] DSA-5380-1 xorg-server - security update\n')); // true
 *   isDebianTrackerList(new TextEncoder().encode('{"id":"GHSA-…"}')); // false
 */
export function isDebianTrackerList(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, SNIFF_BYTES));
  const first = head.split('\n').find((line) => line.trim() !== '');
  return first !== undefined && HEADER_RE.test(first.trimEnd());
}

/**
 * Parses a whole DSA or DLA list (text or UTF-8 bytes). `source` names the
 * input in warnings and errors. Throws ADVISORY_INVALID only when the input
 * is not a tracker list at all (its first non-blank line is not an entry
 * header); anything smaller is skipped and counted.
 *
 * @example
 *   const { entries } = parseDebianTrackerList('[01 Apr 2023] DLA-3378-1 duktape - security update\n\t{CVE-2021-46322}\n\t[buster] - duktape 2.3.0-1+deb10u1\n', 'DLA/list');
 *   entries[0]?.releases[0]?.status; // { $case: 'fixed', version: '2.3.0-1+deb10u1' }
 */
export function parseDebianTrackerList(input: string | Uint8Array, source: string): TrackerListParse {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  const lines = text.split('\n');
  requireHeaderFirst(lines, source);
  const result: TrackerListParse = { entries: [], skipped: 0, warnings: [] };
  const skip = (line: number, problem: string): void => {
    result.skipped += 1;
    if (result.warnings.length < MAX_WARNINGS) result.warnings.push(`${source}:${line}: ${problem}`);
  };
  let current: TrackerEntry | undefined;
  // After a bad header its indented lines belong to nothing and go with it.
  let skippingEntry = false;
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trimEnd();
    if (line.trim() === '') return;
    if (!/^\s/.test(line)) {
      current = readHeader(line, lineNo, skip);
      skippingEntry = current === undefined;
      if (current !== undefined) result.entries.push(current);
      return;
    }
    if (skippingEntry || current === undefined) return;
    readIndented(line.trim(), lineNo, current, skip);
  });
  for (const entry of result.entries) entry.cves.sort(compareCveIds);
  return result;
}

function requireHeaderFirst(lines: string[], source: string): void {
  const index = lines.findIndex((line) => line.trim() !== '');
  const first = index === -1 ? undefined : lines[index]?.trimEnd();
  if (first === undefined) throw new StellaError('ADVISORY_INVALID', `${source}: empty input, expected a Debian security tracker DSA/DLA list`);
  if (!HEADER_RE.test(first)) {
    throw new StellaError('ADVISORY_INVALID', `${source}:${index + 1}: not a Debian security tracker list (expected "[DD Mon YYYY] DSA-N-N …", found "${first.slice(0, 60)}")`);
  }
}

type Skip = (line: number, problem: string) => void;

function readHeader(line: string, lineNo: number, skip: Skip): TrackerEntry | undefined {
  const match = HEADER_RE.exec(line);
  if (match === null) {
    skip(lineNo, `entry skipped: cannot read header "${line.slice(0, 80)}"`);
    return undefined;
  }
  const [, day, month, year, id, rest] = match;
  const date = isoDate(Number(year), MONTHS.get(month ?? '') ?? 0, Number(day));
  if (date === undefined) {
    skip(lineNo, `entry ${id} skipped: "${day} ${month} ${year}" is not a date`);
    return undefined;
  }
  return { id: id as string, date, title: (rest ?? '').trim().replace(/\s+/g, ' '), cves: [], releases: [], line: lineNo };
}

/** `YYYY-MM-DD` for a real calendar date, else undefined. */
function isoDate(year: number, month: number, day: number): string | undefined {
  const time = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 31 Feb over into March: a round trip catches it.
  if (month < 1 || time.getUTCFullYear() !== year || time.getUTCMonth() !== month - 1 || time.getUTCDate() !== day) return undefined;
  return time.toISOString().slice(0, 10);
}

function readIndented(line: string, lineNo: number, entry: TrackerEntry, skip: Skip): void {
  if (line.startsWith('NOTE:')) return; // free text for people, including commented-out release lines
  if (line.startsWith('{')) return readCves(line, lineNo, entry, skip);
  if (line.startsWith('[')) {
    const release = readReleaseLine(line, lineNo, entry.id, skip);
    if (release !== undefined) entry.releases.push(release);
    return;
  }
  skip(lineNo, `${entry.id}: line skipped: cannot read "${line.slice(0, 80)}"`);
}

function readCves(line: string, lineNo: number, entry: TrackerEntry, skip: Skip): void {
  const match = CVE_LINE_RE.exec(line);
  if (match === null) return skip(lineNo, `${entry.id}: CVE line skipped: expected "{CVE-… …}", found "${line.slice(0, 80)}"`);
  for (const token of (match[1] ?? '').split(/\s+/)) {
    if (token === '') continue;
    if (!isCveId(token)) {
      skip(lineNo, `${entry.id}: "${token.slice(0, 40)}" is not a CVE id`);
      continue;
    }
    if (!entry.cves.includes(token)) entry.cves.push(token);
  }
}

function readReleaseLine(line: string, lineNo: number, id: string, skip: Skip): TrackerReleaseLine | undefined {
  const fail = (problem: string): undefined => {
    skip(lineNo, `${id}: release line skipped: ${problem}`);
    return undefined;
  };
  const match = RELEASE_RE.exec(line);
  if (match === null) return fail(`expected "[release] - package version", found "${line.slice(0, 80)}"`);
  const [, codename = '', pkg = '', rest] = match;
  const release = debianReleaseFor(codename);
  // Only codenames: `[11]` would be a typo, not bullseye.
  if (release === undefined || release.codename !== codename) return fail(`unknown release "${codename}"`);
  if (!SOURCE_PACKAGE_RE.test(pkg)) return fail(`"${pkg.slice(0, 40)}" is not a source package name`);
  if (rest === undefined) return fail(`no version or status for ${pkg} in ${codename}`);
  const space = rest.search(/\s/);
  const word = space === -1 ? rest : rest.slice(0, space);
  const tail = space === -1 ? '' : rest.slice(space).trim();
  const note = NOTE_RE.exec(tail);
  if (tail !== '' && note === null) return fail(`unexpected "${tail.slice(0, 40)}" after ${pkg} ${word}`);
  const status = readStatus(word);
  if (status === undefined) return fail(`"${word.slice(0, 60)}" is neither a dpkg version nor a known <status>`);
  const out: TrackerReleaseLine = { release, package: pkg, status, line: lineNo };
  const noteText = note?.[1]?.trim();
  if (noteText !== undefined && noteText !== '') out.note = noteText;
  return out;
}

function readStatus(word: string): ReleaseStatus | undefined {
  const tag = STATUS_RE.exec(word)?.[1];
  if (tag === undefined) return dpkgOrdering.isValid(word) ? { $case: 'fixed', version: word } : undefined;
  switch (tag) {
    case 'not-affected':
    case 'unfixed':
    case 'end-of-life':
      return { $case: tag };
    default:
      // Other tracker tags (<no-dsa>, <ignored>, <postponed>) belong to CVE/list, not advisory lists.
      return undefined;
  }
}
