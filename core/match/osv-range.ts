/**
 * Is one installed version inside one OSV `affected[]` entry? This is the
 * evaluation algorithm of the OSV schema
 * (https://ossf.github.io/osv-schema/#evaluation), applied with the
 * ecosystem's version ordering:
 *
 * - `versions`: the version is listed (the same string, or a listed version
 *   equal to it under the ordering, such as `1.0` and `1.0-0` in Debian);
 * - `ranges` of type SEMVER or ECOSYSTEM: events sorted by version with
 *   `introduced: "0"` lowest, then walked in order (introduced sets
 *   affected when version >= it, fixed clears it when version >= it,
 *   last_affected clears it when version > it); when the range has `limit`
 *   events the version must also be below one of them (`*` is infinity).
 *   Ranges are OR-ed.
 *
 * Records are data from outside: a range this function cannot evaluate is
 * skipped with a warning and the rest of the entry still counts. It never
 * throws for a bad record or a bad installed version. It runs once per
 * (package, advisory) pair, so it parses versions on the fly and keeps no
 * state between calls.
 */
import { StellaError, describeError } from '../errors.js';
import type { OsvAffected, OsvRange } from '../model/osv.js';
import type { VersionOrdering } from '../versions/ordering.js';

/**
 * A range the matcher did not evaluate because of its type (GIT, unknown).
 *
 * @example
 *   { index: 0, type: 'GIT' } // affected.ranges[0] needs a commit graph
 */
export interface IgnoredRange {
  /** Position in `affected.ranges`. */
  index: number;
  type: string;
}

/**
 * The verdict of `matchAffected` for one version and one `affected[]` entry.
 *
 * @example
 *   { affected: true, fixed: '7.5.2', warnings: [], ignoredRanges: [] }
 */
export interface AffectedMatch {
  affected: boolean;
  /**
   * When affected through a range: the smallest `fixed` above the installed
   * version in that range. If several ranges hold the version, the largest
   * of their fixes (a smaller one is still inside another range), and none
   * if any of them has no fix above the version.
   */
  fixed?: string;
  /** Problems with the record or the version, one line each, for the report. */
  warnings: string[];
  /** Ranges not evaluated because of their type; the caller decides whether to warn. */
  ignoredRanges: IgnoredRange[];
}

type TimelineKind = 'introduced' | 'fixed' | 'last_affected';

interface TimelineEvent {
  kind: TimelineKind;
  version: string;
  /** `introduced: "0"`, which sorts before every version. */
  zero: boolean;
}

interface RangeOutcome {
  affected: boolean;
  fixed: string | undefined;
}

const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

function isOrderedType(type: string): boolean {
  return type === 'SEMVER' || type === 'ECOSYSTEM';
}

function rangeType(range: unknown): string {
  const type = typeof range === 'object' && range !== null ? (range as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? type : String(type);
}

function compareEvents(ordering: VersionOrdering, a: TimelineEvent, b: TimelineEvent): number {
  if (a.zero || b.zero) return (b.zero ? 1 : 0) - (a.zero ? 1 : 0);
  return ordering.compare(a.version, b.version);
}

/** Reads the events of one range; throws a StellaError on anything malformed. */
function readEvents(range: OsvRange): { timeline: TimelineEvent[]; limits: string[] } {
  const events: unknown = range.events;
  if (!Array.isArray(events)) throw new StellaError('ADVISORY_INVALID', 'its events are not a list');
  const timeline: TimelineEvent[] = [];
  const limits: string[] = [];
  for (const event of events as unknown[]) {
    if (typeof event !== 'object' || event === null) {
      throw new StellaError('ADVISORY_INVALID', 'an event is not an object');
    }
    // The schema allows one key per event; reading each key present keeps
    // the information of a record that breaks that rule.
    for (const kind of EVENT_KINDS) {
      const value: unknown = (event as Record<string, unknown>)[kind];
      if (value === undefined) continue;
      if (typeof value !== 'string') throw new StellaError('ADVISORY_INVALID', `a "${kind}" event is not a string`);
      if (kind === 'limit') limits.push(value);
      else timeline.push({ kind, version: value, zero: kind === 'introduced' && value === '0' });
    }
  }
  return { timeline, limits };
}

/**
 * A range's events, read and sorted once per range object: a scan evaluates
 * the same range for every installed version of its package. A malformed
 * range is remembered as its error and rethrown each time.
 */
const sortedRanges = new WeakMap<OsvRange, { timeline: TimelineEvent[]; limits: string[] } | { error: unknown }>();

function sortedEvents(range: OsvRange, ordering: VersionOrdering): { timeline: TimelineEvent[]; limits: string[] } {
  let entry = sortedRanges.get(range);
  if (entry === undefined) {
    try {
      const read = readEvents(range);
      // Array.prototype.sort is stable: events at equal versions keep the
      // record's order, so "fixed 2.0, introduced 2.0" re-opens at 2.0.
      read.timeline.sort((a, b) => compareEvents(ordering, a, b));
      entry = read;
    } catch (error) {
      entry = { error };
    }
    sortedRanges.set(range, entry);
  }
  if ('error' in entry) throw entry.error;
  return entry;
}

/**
 * One SEMVER/ECOSYSTEM range. Every event version is compared at least
 * once, so an invalid one always throws (VERSION_INVALID) whatever the
 * installed version, and the caller turns that into a warning.
 */
function evaluateRange(version: string, range: OsvRange, ordering: VersionOrdering): RangeOutcome {
  const { timeline, limits } = sortedEvents(range, ordering);
  let affected = false;
  let fixed: string | undefined;
  for (const event of timeline) {
    const c = event.zero ? 1 : ordering.compare(version, event.version);
    if (event.kind === 'introduced') {
      if (c >= 0) affected = true;
    } else if (event.kind === 'fixed') {
      if (c >= 0) affected = false;
      // Sorted, so the first fix above the version is the smallest one.
      else fixed ??= event.version;
    } else if (c > 0) {
      affected = false;
    }
  }
  // Every limit is compared (not just up to the first that holds) so a bad
  // one is reported whatever the installed version.
  let belowLimit = limits.length === 0;
  for (const limit of limits) {
    if (limit.includes('*') || ordering.compare(version, limit) < 0) belowLimit = true;
  }
  return { affected: affected && belowLimit, fixed: affected && belowLimit ? fixed : undefined };
}

/** Listed under another spelling: `v1.2.3` for `1.2.3`, `1:2.0` for `1:2.0-0`. */
function listedUnderOrdering(version: string, listed: readonly unknown[], ordering: VersionOrdering): boolean {
  for (const entry of listed) {
    // An entry the ordering cannot read is only matched by exact string,
    // which the caller already tried.
    if (typeof entry === 'string' && ordering.isValid(entry) && ordering.compare(version, entry) === 0) return true;
  }
  return false;
}

function label(affected: OsvAffected): string {
  const pkg = affected.package;
  return pkg === undefined ? 'affected entry' : `${pkg.ecosystem}/${pkg.name}`;
}

/**
 * Decides whether `version` is affected according to one OSV `affected[]`
 * entry, ordering versions with `ordering` (the ordering of the entry's
 * ecosystem, see `orderingFor`). GIT and unknown range types are not
 * evaluated and come back in `ignoredRanges`. A range holding a version the
 * ordering cannot read is skipped with a warning. An installed version the
 * ordering cannot read is affected only if listed verbatim in `versions`
 * (the one test that needs no ordering), with a warning.
 *
 * @example
 *   const entry = {
 *     package: { ecosystem: 'npm', name: 'semver' },
 *     ranges: [{ type: 'SEMVER', events: [{ introduced: '7.0.0' }, { fixed: '7.5.2' }] }],
 *   };
 *   matchAffected('7.5.1', entry, semverOrdering);
 *   // { affected: true, fixed: '7.5.2', warnings: [], ignoredRanges: [] }
 *   matchAffected('7.5.2', entry, semverOrdering).affected; // false
 */
export function matchAffected(version: string, affected: OsvAffected, ordering: VersionOrdering): AffectedMatch {
  const warnings: string[] = [];
  const ignoredRanges: IgnoredRange[] = [];
  const listed: readonly unknown[] = Array.isArray(affected.versions) ? affected.versions : [];
  const ranges: readonly unknown[] = Array.isArray(affected.ranges) ? affected.ranges : [];
  const listedExactly = listed.includes(version);
  const versionValid = ordering.isValid(version);
  if (!versionValid) {
    warnings.push(
      `${label(affected)}: installed version "${version}" is not a valid ${ordering.ecosystem} version; its ranges were not evaluated`,
    );
  }

  let inRange = false;
  let unfixed = false;
  let fixed: string | undefined;
  for (let index = 0; index < ranges.length; index++) {
    const range = ranges[index];
    const type = rangeType(range);
    if (!isOrderedType(type)) {
      ignoredRanges.push({ index, type });
      continue;
    }
    if (!versionValid) continue;
    let outcome: RangeOutcome;
    try {
      outcome = evaluateRange(version, range as OsvRange, ordering);
    } catch (error) {
      warnings.push(`${label(affected)}: ${type} range ${index} ignored: ${describeError(error)}`);
      continue;
    }
    if (!outcome.affected) continue;
    inRange = true;
    if (outcome.fixed === undefined) unfixed = true;
    // Both fixes were already compared with the version, so both are valid.
    else if (fixed === undefined || ordering.compare(outcome.fixed, fixed) > 0) fixed = outcome.fixed;
  }

  const isAffected =
    listedExactly || inRange || (versionValid && listedUnderOrdering(version, listed, ordering));
  const result: AffectedMatch = { affected: isAffected, warnings, ignoredRanges };
  if (inRange && !unfixed && fixed !== undefined) result.fixed = fixed;
  return result;
}
