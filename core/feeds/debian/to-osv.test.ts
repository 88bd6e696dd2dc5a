import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OsvRecord } from '../../model/osv.js';
import { sharedData } from '../../../test/helpers/paths.js';
import { validateOsvRecord } from '../osv/validate.js';
import { debianTrackerListToOsv, type DebianOsvParse } from './to-osv.js';

const listPath = (kind: 'DSA' | 'DLA'): string => join(sharedData, 'debian-security-tracker', kind, 'list');

function byId(records: OsvRecord[], id: string): OsvRecord {
  const record = records.find((r) => r.id === id);
  if (record === undefined) throw new Error(`${id} not found`);
  return record;
}

function countBy<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

const fixedRange = (fixed: string) => [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }];
const tracker = (id: string) => [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${id}` }];

describe('the real DSA list', () => {
  let dsa: DebianOsvParse;
  beforeAll(() => {
    dsa = debianTrackerListToOsv(readFileSync(listPath('DSA')), 'DSA/list');
  });

  it('gives one record per advisory, with the counts of the list', () => {
    const { records } = dsa;
    expect(records).toHaveLength(5406);
    expect(new Set(records.map((r) => r.id)).size).toBe(5406);
    expect(records.reduce((sum, r) => sum + (r.aliases?.length ?? 0), 0)).toBe(18128);
    expect(new Set(records.flatMap((r) => r.aliases ?? [])).size).toBe(14767);
    const affected = records.flatMap((r) => r.affected ?? []);
    expect(countBy(affected, (a) => a.package?.ecosystem ?? '?')).toEqual({
      'Debian:11': 410, 'Debian:10': 623, 'Debian:9': 740, 'Debian:8': 898, 'Debian:7': 813,
      'Debian:6': 674, 'Debian:5': 585, 'Debian:4': 677, 'Debian:3.1': 707, 'Debian:3.0': 805,
    });
    expect(countBy(affected, (a) => String(a.database_specific?.['status'] ?? 'fixed'))).toEqual({ fixed: 6925, unfixed: 3, 'end-of-life': 4 });
    // Announcements (end of life, key changes) and advisories whose only release is not affected.
    expect(records.filter((r) => r.affected === undefined)).toHaveLength(26);
  });

  it('skips the one malformed line, a version column holding the package name again', () => {
    expect(dsa.skipped).toBe(1);
    expect(dsa.warnings).toEqual([
      'DSA/list:17244: DSA-423: release line skipped: "kernel-image-2.4.17-ia64" is neither a dpkg version nor a known <status>',
    ]);
    expect(byId(dsa.records, 'DSA-423').affected).toBeUndefined();
  });

  it('makes records the feed store accepts without a warning', () => {
    for (const record of dsa.records) {
      expect(validateOsvRecord(JSON.parse(JSON.stringify(record)), record.id).warnings).toEqual([]);
    }
  });

  it('normalises an openssl DSA field by field', () => {
    expect(byId(dsa.records, 'DSA-5343-1')).toEqual({
      id: 'DSA-5343-1',
      modified: '2023-02-07T00:00:00Z',
      published: '2023-02-07T00:00:00Z',
      aliases: ['CVE-2022-2097', 'CVE-2022-4304', 'CVE-2022-4450', 'CVE-2023-0215', 'CVE-2023-0286'],
      summary: 'openssl - security update',
      affected: [{ package: { ecosystem: 'Debian:11', name: 'openssl' }, ranges: fixedRange('1.1.1n-0+deb11u4') }],
      references: tracker('DSA-5343-1'),
    });
    expect(byId(dsa.records, 'DSA-5103-1')).toEqual({
      id: 'DSA-5103-1',
      modified: '2022-03-15T00:00:00Z',
      published: '2022-03-15T00:00:00Z',
      aliases: ['CVE-2021-4160', 'CVE-2022-0778'],
      summary: 'openssl - security update',
      affected: [
        { package: { ecosystem: 'Debian:10', name: 'openssl' }, ranges: fixedRange('1.1.1d-0+deb10u8') },
        { package: { ecosystem: 'Debian:11', name: 'openssl' }, ranges: fixedRange('1.1.1k-1+deb11u2') },
      ],
      references: tracker('DSA-5103-1'),
    });
  });

  it('sorts aliases by CVE year and number, not as written', () => {
    // Written as {CVE-2023-0567 CVE-2023-0568 CVE-2023-0662 CVE-2022-31631}.
    expect(byId(dsa.records, 'DSA-5363-1').aliases).toEqual(['CVE-2022-31631', 'CVE-2023-0567', 'CVE-2023-0568', 'CVE-2023-0662']);
  });

  it('gives one affected entry per release and source package', () => {
    expect(byId(dsa.records, 'DSA-1854-1').affected).toEqual([
      { package: { ecosystem: 'Debian:4', name: 'apr-util' }, ranges: fixedRange('1.2.7+dfsg-2+etch3') },
      { package: { ecosystem: 'Debian:4', name: 'apr' }, ranges: fixedRange('1.2.7-9') },
      { package: { ecosystem: 'Debian:5', name: 'apr-util' }, ranges: fixedRange('1.2.12+dfsg-8+lenny4') },
      { package: { ecosystem: 'Debian:5', name: 'apr' }, ranges: fixedRange('1.2.12-5+lenny1') },
    ]);
  });

  it('leaves not-affected releases out and keeps unfixed and end-of-life ones affected with no fix', () => {
    // [woody] - libgda <not-affected> (…), [sarge] - libgda2 1.2.1-2sarge1
    expect(byId(dsa.records, 'DSA-871-1').affected).toEqual([
      { package: { ecosystem: 'Debian:3.1', name: 'libgda2' }, ranges: fixedRange('1.2.1-2sarge1') },
    ]);
    // [woody] - phpgroupware <unfixed> (high), [sarge] - phpgroupware 0.9.16.005-3.sarge0 (high)
    expect(byId(dsa.records, 'DSA-746-1').affected).toEqual([
      { package: { ecosystem: 'Debian:3.0', name: 'phpgroupware' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }], database_specific: { status: 'unfixed' } },
      { package: { ecosystem: 'Debian:3.1', name: 'phpgroupware' }, ranges: fixedRange('0.9.16.005-3.sarge0') },
    ]);
    expect(byId(dsa.records, 'DSA-3699-1')).toEqual({
      id: 'DSA-3699-1',
      modified: '2016-10-25T00:00:00Z',
      published: '2016-10-25T00:00:00Z',
      summary: 'virtualbox - end of life',
      affected: [{ package: { ecosystem: 'Debian:8', name: 'virtualbox' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }], database_specific: { status: 'end-of-life' } }],
      references: tracker('DSA-3699-1'),
    });
  });

  it('keeps the ids of 2002-era advisories without a revision', () => {
    expect(byId(dsa.records, 'DSA-135')).toMatchObject({
      modified: '2002-07-02T00:00:00Z',
      aliases: ['CVE-2002-0653'],
      summary: 'libapache-mod-ssl -- buffer overflow / DoS',
      affected: [{ package: { ecosystem: 'Debian:3.0', name: 'libapache-mod-ssl' }, ranges: fixedRange('2.8.9-2') }],
    });
  });
});

describe('the real DLA list', () => {
  let dla: DebianOsvParse;
  beforeAll(() => {
    dla = debianTrackerListToOsv(readFileSync(listPath('DLA')), 'DLA/list');
  });

  it('gives one record per advisory, with the counts of the list', () => {
    const { records } = dla;
    expect(dla.skipped).toBe(0);
    expect(dla.warnings).toEqual([]);
    expect(records).toHaveLength(3534);
    expect(new Set(records.map((r) => r.id)).size).toBe(3534);
    expect(records.reduce((sum, r) => sum + (r.aliases?.length ?? 0), 0)).toBe(11002);
    expect(new Set(records.flatMap((r) => r.aliases ?? [])).size).toBe(8690);
    const affected = records.flatMap((r) => r.affected ?? []);
    expect(countBy(affected, (a) => a.package?.ecosystem ?? '?')).toEqual({
      'Debian:10': 322, 'Debian:9': 828, 'Debian:8': 928, 'Debian:7': 986, 'Debian:6': 471,
    });
    expect(countBy(affected, (a) => String(a.database_specific?.['status'] ?? 'fixed'))).toEqual({ fixed: 3534, 'end-of-life': 1 });
    expect(records.filter((r) => r.affected === undefined).map((r) => r.id)).toEqual(['DLA-3067-1', 'DLA-2272-1', 'DLA-1393-1', 'DLA-449-2']);
    for (const record of records) expect(validateOsvRecord(JSON.parse(JSON.stringify(record)), record.id).warnings).toEqual([]);
  });

  it('normalises a DLA for several packages field by field', () => {
    expect(byId(dla.records, 'DLA-436-1')).toEqual({
      id: 'DLA-436-1',
      modified: '2016-02-28T00:00:00Z',
      published: '2016-02-28T00:00:00Z',
      summary: 'ia32-libs - security update',
      affected: [
        { package: { ecosystem: 'Debian:6', name: 'ia32-libs' }, ranges: fixedRange('20160228') },
        { package: { ecosystem: 'Debian:6', name: 'ia32-libs-gtk' }, ranges: fixedRange('20160228') },
      ],
      references: tracker('DLA-436-1'),
    });
    expect(byId(dla.records, 'DLA-3380-1')).toEqual({
      id: 'DLA-3380-1',
      modified: '2023-04-01T00:00:00Z',
      published: '2023-04-01T00:00:00Z',
      aliases: [
        'CVE-2020-12362', 'CVE-2020-12363', 'CVE-2020-12364', 'CVE-2020-24586', 'CVE-2020-24587', 'CVE-2020-24588',
        'CVE-2021-23168', 'CVE-2021-23223', 'CVE-2021-37409', 'CVE-2021-44545', 'CVE-2022-21181',
      ],
      summary: 'firmware-nonfree - security update',
      affected: [{ package: { ecosystem: 'Debian:10', name: 'firmware-nonfree' }, ranges: fixedRange('20190114+really20220913-0+deb10u1') }],
      references: tracker('DLA-3380-1'),
    });
  });
});

describe('debianTrackerListToOsv on small inputs', () => {
  it('keeps one affected entry per release and package, the first line winning', () => {
    const text = '[29 Mar 2023] DSA-5380-1 xorg-server - security update\n\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6\n\t[bullseye] - xorg-server 2:1.20.11-1+deb11u9\n\t[buster] - xorg-server 2:1.20.4-1+deb10u9\n';
    const { records, skipped } = debianTrackerListToOsv(text, 'x');
    expect(skipped).toBe(0);
    expect(records[0]?.affected).toEqual([
      { package: { ecosystem: 'Debian:11', name: 'xorg-server' }, ranges: fixedRange('2:1.20.11-1+deb11u6') },
      { package: { ecosystem: 'Debian:10', name: 'xorg-server' }, ranges: fixedRange('2:1.20.4-1+deb10u9') },
    ]);
  });

  it('leaves out aliases, summary and affected when the entry has none', () => {
    const { records } = debianTrackerListToOsv('[02 Jul 2002] DSA-135\n', 'x');
    expect(records).toEqual([{ id: 'DSA-135', modified: '2002-07-02T00:00:00Z', published: '2002-07-02T00:00:00Z', references: tracker('DSA-135') }]);
  });
});
