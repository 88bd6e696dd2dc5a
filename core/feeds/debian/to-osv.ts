/**
 * Debian tracker entries as OSV records, in the same shape as OSV's own
 * distro records, so they go into the feed store and through the matcher
 * like any other advisory:
 *
 * - one record per advisory id (`DSA-5380-1`), `aliases` its CVE ids;
 * - `published` and `modified` the advisory date (the list keeps no
 *   separate modification time);
 * - one `affected[]` entry per (release, source package), ecosystem
 *   `Debian:<release number>`, with an ECOSYSTEM range from `0` to the
 *   fixed version: every version below the fix is affected;
 * - `<unfixed>` and `<end-of-life>`: affected with no fix (`introduced: 0`
 *   only), the status kept in the entry's `database_specific.status`;
 * - `<not-affected>`: no entry for that release.
 *
 * @example
 *   const { records, skipped } = debianTrackerListToOsv(bytes, 'DSA/list');
 *   records[0]?.affected?.[0]?.package; // { ecosystem: 'Debian:11', name: 'xorg-server' }
 */
import { StellaError } from '../../errors.js';
import type { OsvAffected, OsvRecord } from '../../model/osv.js';
import { parseDebianTrackerList, type TrackerEntry, type TrackerReleaseLine } from './tracker-list.js';

/** Where a person reads an advisory; the tracker has a page for every DSA and DLA id. */
export const DEBIAN_TRACKER_URL = 'https://security-tracker.debian.org/tracker/';

/**
 * The records of one list and what was left out on the way.
 *
 * @example
 *   { records: [ … ], skipped: 0, warnings: [] }
 */
export interface DebianOsvParse {
  records: OsvRecord[];
  /** Entries and lines of the list that could not be used (see `parseDebianTrackerList`). */
  skipped: number;
  warnings: string[];
}

/**
 * Parses a DSA or DLA list and normalises every entry to an OSV record.
 * Throws ADVISORY_INVALID when the input is not a tracker list at all.
 *
 * @example
 *   const { records } = debianTrackerListToOsv('[01 Apr 2023] DLA-3378-1 duktape - security update\n\t{CVE-2021-46322}\n\t[buster] - duktape 2.3.0-1+deb10u1\n', 'DLA/list');
 *   records[0]?.affected?.[0]?.ranges?.[0]?.events; // [{ introduced: '0' }, { fixed: '2.3.0-1+deb10u1' }]
 */
export function debianTrackerListToOsv(input: string | Uint8Array, source: string): DebianOsvParse {
  const parsed = parseDebianTrackerList(input, source);
  const records = parsed.entries.map(trackerEntryToOsv);
  return { records, skipped: parsed.skipped, warnings: parsed.warnings };
}

/**
 * One tracker entry as an OSV record.
 *
 * @example
 *   trackerEntryToOsv(entry);
 *   // { id: 'DSA-5380-1', modified: '2023-03-29T00:00:00Z', published: '2023-03-29T00:00:00Z',
 *   //   aliases: ['CVE-2023-1393'], summary: 'xorg-server - security update', affected: [ … ], references: [ … ] }
 */
export function trackerEntryToOsv(entry: TrackerEntry): OsvRecord {
  const timestamp = `${entry.date}T00:00:00Z`;
  const record: OsvRecord = { id: entry.id, modified: timestamp, published: timestamp };
  if (entry.cves.length > 0) record.aliases = [...entry.cves];
  if (entry.title !== '') record.summary = entry.title;
  const affected = affectedEntries(entry.releases);
  if (affected.length > 0) record.affected = affected;
  record.references = [{ type: 'ADVISORY', url: `${DEBIAN_TRACKER_URL}${entry.id}` }];
  return record;
}

function affectedEntries(lines: readonly TrackerReleaseLine[]): OsvAffected[] {
  const out: OsvAffected[] = [];
  // The same (release, package) twice would give a package two ranges that
  // the matcher ORs. None occur in the lists; should one appear, the first
  // line wins, a stable choice that keeps one range per package.
  const seen = new Set<string>();
  for (const line of lines) {
    const key = `${line.release.ecosystem}\u0000${line.package}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = affectedEntry(line);
    if (entry !== undefined) out.push(entry);
  }
  return out;
}

function affectedEntry(line: TrackerReleaseLine): OsvAffected | undefined {
  const pkg = { ecosystem: line.release.ecosystem, name: line.package };
  switch (line.status.$case) {
    case 'fixed':
      return { package: pkg, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: line.status.version }] }] };
    case 'unfixed':
    case 'end-of-life':
      return {
        package: pkg,
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
        database_specific: { status: line.status.$case },
      };
    case 'not-affected':
      return undefined;
    default:
      return unreachable(line.status);
  }
}

function unreachable(status: never): never {
  throw new StellaError('INTERNAL', `unhandled Debian release status ${JSON.stringify(status)}`);
}
