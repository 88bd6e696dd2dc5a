import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StellaError } from '../errors.js';
import type { OsvAffected, OsvRange, OsvRecord } from '../model/osv.js';
import { dpkgOrdering } from '../versions/dpkg.js';
import type { VersionOrdering } from '../versions/ordering.js';
import { baseEcosystem, orderingFor } from '../versions/registry.js';
import { cratesOrdering, semverOrdering } from '../versions/semver.js';
import { sharedData } from '../../test/helpers/paths.js';
import { matchAffected } from './osv-range.js';
import { readZipRecords } from '../../test/helpers/osv-zip.js';

const npm = semverOrdering;

function entry(ranges: unknown[], versions?: string[]): OsvAffected {
  const affected: OsvAffected = { package: { ecosystem: 'npm', name: 'demo' }, ranges: ranges as OsvRange[] };
  if (versions !== undefined) affected.versions = versions;
  return affected;
}

function semverRange(...events: Record<string, string>[]): OsvRange {
  return { type: 'SEMVER', events };
}

/** The versions of `versions` that `affected` holds, in order. */
function affectedAmong(affected: OsvAffected, versions: string[], ordering: VersionOrdering = npm): string[] {
  return versions.filter((v) => matchAffected(v, affected, ordering).affected);
}

describe('matchAffected: events', () => {
  it('introduced only: affected from there on, no fix', () => {
    const e = entry([semverRange({ introduced: '1.0.0' })]);
    expect(affectedAmong(e, ['0.9.9', '1.0.0-rc.1', '1.0.0', '1.0.1', '99.0.0'])).toEqual(['1.0.0', '1.0.1', '99.0.0']);
    expect(matchAffected('1.0.0', e, npm)).toEqual({ affected: true, warnings: [], ignoredRanges: [] });
  });

  it('introduced "0" sorts before every version, even ones the ordering ranks below "0"', () => {
    const e = entry([semverRange({ introduced: '0' }, { fixed: '1.0.0' })]);
    expect(affectedAmong(e, ['0.0.0-0', '0.0.0', '0.9.9', '1.0.0-0', '1.0.0', '1.0.1'])).toEqual([
      '0.0.0-0', '0.0.0', '0.9.9', '1.0.0-0',
    ]);
    // In Debian "0~" < "0": OSV's "0" still means "from the start".
    const deb: OsvAffected = { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0-1' }] }] };
    expect(affectedAmong(deb, ['0~', '0', '1.0-0', '1.0-1~deb12u1', '1.0-1'], dpkgOrdering)).toEqual([
      '0~', '0', '1.0-0', '1.0-1~deb12u1',
    ]);
  });

  it('introduced + fixed: [introduced, fixed), reporting the fix', () => {
    const e = entry([semverRange({ introduced: '1.2.0' }, { fixed: '1.5.0' })]);
    expect(affectedAmong(e, ['1.1.9', '1.2.0-0', '1.2.0', '1.4.9', '1.5.0-rc.1', '1.5.0', '1.5.1'])).toEqual([
      '1.2.0', '1.4.9', '1.5.0-rc.1',
    ]);
    expect(matchAffected('1.4.9', e, npm).fixed).toBe('1.5.0');
    expect(matchAffected('1.5.0', e, npm).fixed).toBeUndefined();
  });

  it('last_affected: [introduced, last_affected], no fix to report', () => {
    const e = entry([semverRange({ introduced: '0' }, { last_affected: '2.1.214' })]);
    expect(affectedAmong(e, ['0.1.0', '2.1.213', '2.1.214', '2.1.214+build', '2.1.215-0', '2.1.215'])).toEqual([
      '0.1.0', '2.1.213', '2.1.214', '2.1.214+build',
    ]);
    expect(matchAffected('2.1.214', e, npm).fixed).toBeUndefined();
  });

  it('limit: the version must also be below a limit; "*" is infinity', () => {
    const limited = entry([semverRange({ introduced: '1.0.0' }, { limit: '2.0.0' })]);
    expect(affectedAmong(limited, ['0.9.0', '1.0.0', '1.9.9', '2.0.0-0', '2.0.0', '3.0.0'])).toEqual([
      '1.0.0', '1.9.9', '2.0.0-0',
    ]);
    const star = entry([semverRange({ introduced: '1.0.0' }, { limit: '*' })]);
    expect(affectedAmong(star, ['0.9.0', '1.0.0', '999.0.0'])).toEqual(['1.0.0', '999.0.0']);
    // Several limits: below any one of them is enough.
    const two = entry([semverRange({ introduced: '0' }, { limit: '1.0.0' }, { limit: '3.0.0' })]);
    expect(affectedAmong(two, ['0.5.0', '2.0.0', '3.0.0'])).toEqual(['0.5.0', '2.0.0']);
    // A limit does not invent a fix, and a fix above the limit is still the fix.
    const both = entry([semverRange({ introduced: '0' }, { fixed: '4.0.0' }, { limit: '3.0.0' })]);
    expect(matchAffected('2.0.0', both, npm)).toMatchObject({ affected: true, fixed: '4.0.0' });
    expect(matchAffected('3.5.0', both, npm).affected).toBe(false);
  });

  it('several introduced/fixed pairs in one range, in any order in the record', () => {
    const sorted = semverRange({ introduced: '1.0.0' }, { fixed: '1.2.0' }, { introduced: '2.0.0' }, { fixed: '2.2.0' });
    const shuffled = semverRange({ fixed: '2.2.0' }, { introduced: '2.0.0' }, { fixed: '1.2.0' }, { introduced: '1.0.0' });
    const probe = ['0.9.0', '1.0.0', '1.1.9', '1.2.0', '1.9.9', '2.0.0', '2.1.0', '2.2.0', '3.0.0'];
    for (const range of [sorted, shuffled]) {
      expect(affectedAmong(entry([range]), probe)).toEqual(['1.0.0', '1.1.9', '2.0.0', '2.1.0']);
      // The smallest fix above the version, not the first in the record.
      expect(matchAffected('1.1.0', entry([range]), npm).fixed).toBe('1.2.0');
      expect(matchAffected('2.1.0', entry([range]), npm).fixed).toBe('2.2.0');
    }
  });

  it('events at the same version keep the record order', () => {
    // "introduced 1.0.0, fixed 1.0.0" is empty; "fixed 2.0.0, introduced 2.0.0" re-opens at 2.0.0.
    const e = entry([
      semverRange({ introduced: '1.0.0' }, { fixed: '1.0.0' }),
      semverRange({ introduced: '0' }, { fixed: '2.0.0' }, { introduced: '2.0.0' }, { fixed: '2.5.0' }),
    ]);
    expect(affectedAmong(e, ['1.0.0', '1.9.9', '2.0.0', '2.5.0'])).toEqual(['1.0.0', '1.9.9', '2.0.0']);
    expect(affectedAmong(entry([semverRange({ introduced: '1.0.0' }, { fixed: '1.0.0' })]), ['0.1.0', '1.0.0', '2.0.0'])).toEqual([]);
  });
});

describe('matchAffected: ranges and versions', () => {
  it('ORs several ranges and reports the fix of the one that holds the version', () => {
    const e = entry([
      semverRange({ introduced: '0' }, { fixed: '5.7.2' }),
      semverRange({ introduced: '6.0.0' }, { fixed: '6.3.1' }),
      semverRange({ introduced: '7.0.0' }, { last_affected: '7.5.1' }),
    ]);
    expect(matchAffected('5.0.0', e, npm)).toMatchObject({ affected: true, fixed: '5.7.2' });
    expect(matchAffected('5.7.2', e, npm).affected).toBe(false);
    expect(matchAffected('6.3.0', e, npm)).toMatchObject({ affected: true, fixed: '6.3.1' });
    expect(matchAffected('7.5.1', e, npm)).toEqual({ affected: true, warnings: [], ignoredRanges: [] });
    expect(matchAffected('7.5.2', e, npm).affected).toBe(false);
  });

  it('for overlapping ranges reports a fix outside all of them, or none', () => {
    const overlapping = entry([
      semverRange({ introduced: '0' }, { fixed: '1.5.0' }),
      semverRange({ introduced: '1.0.0' }, { fixed: '2.0.0' }),
    ]);
    expect(matchAffected('1.2.0', overlapping, npm).fixed).toBe('2.0.0');
    expect(matchAffected('0.5.0', overlapping, npm).fixed).toBe('1.5.0');
    const oneUnfixed = entry([semverRange({ introduced: '0' }, { fixed: '1.5.0' }), semverRange({ introduced: '1.0.0' })]);
    const result = matchAffected('1.2.0', oneUnfixed, npm);
    expect(result.affected).toBe(true);
    expect(result.fixed).toBeUndefined();
  });

  it('versions list: the exact string, or a version equal under the ordering', () => {
    const e = entry([], ['1.0.0', 'v2.0.0', '3.0.0+build.7', 'not-a-version']);
    expect(affectedAmong(e, ['1.0.0', '2.0.0', '3.0.0', '4.0.0', '1.0.1'])).toEqual(['1.0.0', '2.0.0', '3.0.0']);
    expect(matchAffected('1.0.0', e, npm)).toEqual({ affected: true, warnings: [], ignoredRanges: [] });
    // An entry the ordering cannot read still matches by exact string.
    expect(matchAffected('not-a-version', e, npm).affected).toBe(true);
    const deb: OsvAffected = { versions: ['1:2.0-0', '3.0-1'] };
    expect(affectedAmong(deb, ['1:2.0', '2.0', '3.0-1', '3.0-01', '3.0-2'], dpkgOrdering)).toEqual(['1:2.0', '3.0-1', '3.0-01']);
  });

  it('ignores GIT and unknown range types, and says which', () => {
    const e = entry([
      { type: 'GIT', repo: 'https://github.com/o/r', events: [{ introduced: '0' }, { fixed: 'a'.repeat(40) }] },
      semverRange({ introduced: '2.0.0' }, { fixed: '2.1.0' }),
      { type: 'CALVER', events: [{ introduced: '0' }] },
    ]);
    const below = matchAffected('1.0.0', e, npm);
    expect(below).toEqual({
      affected: false,
      warnings: [],
      ignoredRanges: [
        { index: 0, type: 'GIT' },
        { index: 2, type: 'CALVER' },
      ],
    });
    expect(matchAffected('2.0.5', e, npm)).toMatchObject({ affected: true, fixed: '2.1.0', warnings: [] });
    // A GIT-only entry is matched by its versions list alone.
    const gitOnly = entry([{ type: 'GIT', repo: 'r', events: [{ introduced: '0' }] }], ['1.0.0']);
    expect(affectedAmong(gitOnly, ['1.0.0', '1.0.1'])).toEqual(['1.0.0']);
  });

  it('an invalid installed version is not affected, with a warning, unless listed verbatim', () => {
    const e = entry([semverRange({ introduced: '0' })], ['1.0']);
    const notListed = matchAffected('banana', e, npm);
    expect(notListed.affected).toBe(false);
    expect(notListed.warnings).toEqual(['npm/demo: installed version "banana" is not a valid npm version; its ranges were not evaluated']);
    const listed = matchAffected('1.0', e, npm);
    expect(listed.affected).toBe(true);
    expect(listed.warnings).toHaveLength(1);
    expect(matchAffected('1.0', e, cratesOrdering).warnings[0]).toContain('crates.io');
  });

  it('skips a range with a version the ordering cannot read, with a warning, and keeps the others', () => {
    const e = entry([
      semverRange({ introduced: '1.0.0' }, { fixed: '1.2' }),
      semverRange({ introduced: '3.0.0' }, { fixed: '3.1.0' }),
      semverRange({ introduced: '0' }, { limit: 'two' }),
    ]);
    for (const v of ['1.1.0', '3.0.0', '4.0.0']) {
      const result = matchAffected(v, e, npm);
      // The same warnings whatever the version: every event is checked.
      expect(result.warnings).toEqual([
        'npm/demo: SEMVER range 0 ignored: "1.2" is not a valid npm (SemVer 2.0.0) version',
        'npm/demo: SEMVER range 2 ignored: "two" is not a valid npm (SemVer 2.0.0) version',
      ]);
      expect(result.affected).toBe(v === '3.0.0');
    }
    // A bad single-event range is caught too (a one-element sort compares nothing).
    expect(matchAffected('1.0.0', entry([semverRange({ introduced: 'x' })]), npm).warnings).toHaveLength(1);
  });

  it('never throws on malformed records', () => {
    const malformed: unknown[] = [
      { type: 'SEMVER' },
      { type: 'SEMVER', events: 'introduced 0' },
      { type: 'SEMVER', events: [null] },
      { type: 'SEMVER', events: [{ introduced: 0 }] },
      null,
      { events: [{ introduced: '0' }] },
    ];
    const result = matchAffected('1.0.0', entry(malformed, [7 as unknown as string]), npm);
    expect(result.affected).toBe(false);
    expect(result.warnings).toHaveLength(4);
    expect(result.ignoredRanges).toEqual([
      { index: 4, type: 'undefined' },
      { index: 5, type: 'undefined' },
    ]);
    expect(matchAffected('1.0.0', {}, npm)).toEqual({ affected: false, warnings: [], ignoredRanges: [] });
  });
});

describe('orderingFor', () => {
  it('maps OSV ecosystem names, ignoring a :suffix', () => {
    expect(orderingFor('npm')).toBe(semverOrdering);
    expect(orderingFor('crates.io')).toBe(cratesOrdering);
    expect(orderingFor('Debian')).toBe(dpkgOrdering);
    expect(orderingFor('Debian:12')).toBe(dpkgOrdering);
    expect(orderingFor('Ubuntu:Pro:18.04:LTS')?.ecosystem).toBe('Ubuntu');
    expect(orderingFor('Ubuntu:22.04:LTS')?.compare('1.0-1ubuntu1', '1.0-1')).toBe(1);
    for (const unknown of ['SwiftURL', 'NPM', 'debian', '', 'constructor', '__proto__', 'go']) {
    for (const known of ['PyPI', 'Go', 'Maven', 'NuGet', 'RubyGems', 'Packagist', 'Pub', 'Hackage', 'CRAN', 'Alpine:v3.19', 'AlmaLinux:9', 'Rocky Linux:9', 'Red Hat']) {
      expect(orderingFor(known)?.ecosystem, known).toBe(known.split(':')[0]);
    }
      expect(orderingFor(unknown), unknown).toBeUndefined();
    }
    expect(baseEcosystem('Maven:https://maven.google.com')).toBe('Maven');
  });
});

const records = await readZipRecords(join(sharedData, 'osv', 'npm', 'all.zip'));
const byId = new Map(records.map((r) => [r.id, r]));

describe('matchAffected on real npm advisories', () => {

  /** The record's verdict for one package: any of its entries for that package. */
  function check(id: string, name: string, version: string): { affected: boolean; fixed?: string } {
    const record = byId.get(id);
    if (record === undefined) throw new StellaError('NOT_FOUND', `${id} is not in osv/npm/all.zip`);
    const entries = (record.affected ?? []).filter((a) => a.package?.ecosystem === 'npm' && a.package.name === name);
    expect(entries.length, `${id} ${name}`).toBeGreaterThan(0);
    for (const e of entries) {
      const result = matchAffected(version, e, orderingFor('npm') ?? npm);
      expect(result.warnings).toEqual([]);
      if (result.affected) return result.fixed === undefined ? { affected: true } : { affected: true, fixed: result.fixed };
    }
    return { affected: false };
  }

  const cases: [id: string, name: string, version: string, expected: { affected: boolean; fixed?: string }][] = [
    // semver ReDoS: three ranges [0,5.7.2) [6.0.0,6.3.1) [7.0.0,7.5.2)
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '0.0.1', { affected: true, fixed: '5.7.2' }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '5.7.1', { affected: true, fixed: '5.7.2' }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '5.7.2', { affected: false }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '6.0.0-0', { affected: false }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '6.0.0', { affected: true, fixed: '6.3.1' }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '6.3.0', { affected: true, fixed: '6.3.1' }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '6.3.1', { affected: false }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '7.0.0-0', { affected: false }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '7.0.0', { affected: true, fixed: '7.5.2' }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '7.5.1', { affected: true, fixed: '7.5.2' }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '7.5.2-0', { affected: true, fixed: '7.5.2' }],
    ['GHSA-c2qf-rxjj-qqgw', 'semver', '7.5.2', { affected: false }],
    // lodash: [4.0.0, 4.17.21); lodash.trim: [4.0.0, last_affected 4.5.1]
    ['GHSA-29mw-wpgm-hmr9', 'lodash', '3.10.1', { affected: false }],
    ['GHSA-29mw-wpgm-hmr9', 'lodash', '4.0.0-0', { affected: false }],
    ['GHSA-29mw-wpgm-hmr9', 'lodash', '4.0.0', { affected: true, fixed: '4.17.21' }],
    ['GHSA-29mw-wpgm-hmr9', 'lodash', '4.17.20', { affected: true, fixed: '4.17.21' }],
    ['GHSA-29mw-wpgm-hmr9', 'lodash', '4.17.21', { affected: false }],
    ['GHSA-29mw-wpgm-hmr9', 'lodash.trim', '3.9.9', { affected: false }],
    ['GHSA-29mw-wpgm-hmr9', 'lodash.trim', '4.0.0', { affected: true }],
    ['GHSA-29mw-wpgm-hmr9', 'lodash.trim', '4.5.1', { affected: true }],
    ['GHSA-29mw-wpgm-hmr9', 'lodash.trim', '4.5.2-0', { affected: false }],
    ['GHSA-29mw-wpgm-hmr9', 'lodash.trim', '4.5.2', { affected: false }],
    // request: introduced 0, last_affected 2.88.2 (no fix ever shipped)
    ['GHSA-p8p7-x288-28g6', 'request', '2.88.2', { affected: true }],
    ['GHSA-p8p7-x288-28g6', 'request', '2.88.3', { affected: false }],
    // @babel/traverse: [0, 7.23.2) and prereleases [8.0.0-alpha.0, 8.0.0-alpha.4)
    ['GHSA-67hx-6x53-jw92', '@babel/traverse', '7.23.1', { affected: true, fixed: '7.23.2' }],
    ['GHSA-67hx-6x53-jw92', '@babel/traverse', '7.23.2', { affected: false }],
    ['GHSA-67hx-6x53-jw92', '@babel/traverse', '7.99.0', { affected: false }],
    ['GHSA-67hx-6x53-jw92', '@babel/traverse', '8.0.0-alpha.0', { affected: true, fixed: '8.0.0-alpha.4' }],
    ['GHSA-67hx-6x53-jw92', '@babel/traverse', '8.0.0-alpha.3', { affected: true, fixed: '8.0.0-alpha.4' }],
    ['GHSA-67hx-6x53-jw92', '@babel/traverse', '8.0.0-alpha.4', { affected: false }],
    ['GHSA-67hx-6x53-jw92', 'babel-traverse', '6.26.0', { affected: true }],
    // jquery: [3.0.0-rc.1, 3.0.0), also listed in versions
    ['GHSA-mhpp-875w-9cpv', 'jquery', '3.0.0-beta1', { affected: false }],
    ['GHSA-mhpp-875w-9cpv', 'jquery', '3.0.0-rc.1', { affected: true, fixed: '3.0.0' }],
    ['GHSA-mhpp-875w-9cpv', 'jquery', '3.0.0', { affected: false }],
    // ws: four ranges, each with its own fix
    ['GHSA-3h5v-q93c-6h6q', 'ws', '2.0.9', { affected: false }],
    ['GHSA-3h5v-q93c-6h6q', 'ws', '2.1.0', { affected: true, fixed: '5.2.4' }],
    ['GHSA-3h5v-q93c-6h6q', 'ws', '5.2.4', { affected: false }],
    ['GHSA-3h5v-q93c-6h6q', 'ws', '7.5.9', { affected: true, fixed: '7.5.10' }],
    ['GHSA-3h5v-q93c-6h6q', 'ws', '8.17.1', { affected: false }],
    // malicious release: a versions list, no ranges
    ['MAL-2025-46974', 'debug', '4.4.2', { affected: true }],
    ['MAL-2025-46974', 'debug', '4.4.1', { affected: false }],
    ['MAL-2025-46974', 'debug', '4.4.3', { affected: false }],
  ];

  it.each(cases)('%s %s@%s', (id, name, version, expected) => {
    expect(check(id, name, version)).toEqual(expected);
  });

  it('holds at every boundary of every npm entry in the zip', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const record of records) {
      for (const e of record.affected ?? []) {
        // `F-0` below a release is semver's rule: only npm entries are probed this way.
        if (e.package?.ecosystem !== 'npm') continue;
        const ordering = orderingFor('npm');
        if (ordering === undefined) continue;
        const expectAt = (version: string, affected: boolean, fixed?: string): void => {
          checked++;
          const result = matchAffected(version, e, ordering);
          if (result.warnings.length > 0 || result.ignoredRanges.length > 0) failures.push(`${record.id}: ${result.warnings.join('; ')}`);
          if (result.affected !== affected || (fixed !== undefined && result.fixed !== fixed)) {
            failures.push(`${record.id} ${e.package?.name}@${version}: ${JSON.stringify(result)}`);
          }
        };
        for (const v of e.versions ?? []) expectAt(v, true);
        // Only single-range entries: there the boundaries of the range are the entry's.
        if (e.ranges?.length !== 1) continue;
        const events = e.ranges[0]?.events ?? [];
        // `F-0` is the lowest version below a release F, so it is inside
        // [I, F) whenever I is a release too.
        const releasesOnly = events.every((ev) => ev.introduced === undefined || !ev.introduced.includes('-'));
        for (const event of events) {
          if (event.introduced !== undefined && event.introduced !== '0') {
            expectAt(event.introduced, true);
            if (!event.introduced.includes('-')) expectAt(`${event.introduced}-0`, false);
          }
          if (event.fixed !== undefined) {
            expectAt(event.fixed, false);
            if (releasesOnly && !event.fixed.includes('-')) expectAt(`${event.fixed}-0`, true, event.fixed);
          }
          if (event.last_affected !== undefined) expectAt(event.last_affected, true);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(500);
  });

  it('is fast enough to run for every package of a scan', () => {
    const entries = records.flatMap((r) => (r.affected ?? []).filter((a) => a.package?.ecosystem === 'npm'));
    const probes = ['0.0.1', '1.2.3', '4.17.20', '6.3.0', '7.5.1', '8.0.0-alpha.3', '10.0.0', '20190301.0.0'];
    const start = performance.now();
    let runs = 0;
    let hits = 0;
    while (runs < 50_000) {
      for (const e of entries) {
        for (const v of probes) {
          runs++;
          if (matchAffected(v, e, npm).affected) hits++;
        }
      }
    }
    const elapsed = performance.now() - start;
    expect(hits).toBeGreaterThan(0);
    // About 1 µs a call here; the bound only catches an accidental blow-up.
    expect(elapsed / runs).toBeLessThan(20e-3);
  });
});
