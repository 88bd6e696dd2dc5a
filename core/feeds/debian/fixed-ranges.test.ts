/**
 * Do the ranges we write classify installed versions as Debian does? For
 * real bullseye and buster fixes from the lists, versions just below, at
 * and just above the fix go through `matchAffected` with `dpkgOrdering`,
 * and the real `dpkg --compare-versions` says what the answer must be.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { matchAffected } from '../../match/osv-range.js';
import type { OsvAffected, OsvRecord } from '../../model/osv.js';
import { dpkgOrdering } from '../../versions/dpkg.js';
import { sharedData } from '../../../test/helpers/paths.js';
import { debianTrackerListToOsv } from './to-osv.js';

const run = promisify(execFile);

/** Real fixes picked from the lists: epochs, `~` backports, `+really`, Git snapshots, date versions. */
const PICKED: readonly { id: string; ecosystem: string; name: string; fixed: string }[] = [
  { id: 'DSA-5343-1', ecosystem: 'Debian:11', name: 'openssl', fixed: '1.1.1n-0+deb11u4' },
  { id: 'DSA-5380-1', ecosystem: 'Debian:11', name: 'xorg-server', fixed: '2:1.20.11-1+deb11u6' },
  { id: 'DSA-5377-1', ecosystem: 'Debian:11', name: 'chromium', fixed: '111.0.5563.110-1~deb11u1' },
  { id: 'DSA-5357-1', ecosystem: 'Debian:11', name: 'git', fixed: '1:2.30.2-1+deb11u2' },
  { id: 'DSA-5365-1', ecosystem: 'Debian:11', name: 'curl', fixed: '7.74.0-1.3+deb11u7' },
  { id: 'DSA-5378-1', ecosystem: 'Debian:11', name: 'xen', fixed: '4.14.5+94-ge49571868d-1' },
  { id: 'DSA-5374-1', ecosystem: 'Debian:11', name: 'firefox-esr', fixed: '102.9.0esr-1~deb11u1' },
  { id: 'DSA-5103-1', ecosystem: 'Debian:10', name: 'openssl', fixed: '1.1.1d-0+deb10u8' },
  { id: 'DLA-3377-1', ecosystem: 'Debian:10', name: 'systemd', fixed: '241-7~deb10u9' },
  { id: 'DLA-3379-1', ecosystem: 'Debian:10', name: 'intel-microcode', fixed: '3.20230214.1~deb10u1' },
  { id: 'DLA-3380-1', ecosystem: 'Debian:10', name: 'firmware-nonfree', fixed: '20190114+really20220913-0+deb10u1' },
  { id: 'DLA-3357-2', ecosystem: 'Debian:10', name: 'imagemagick', fixed: '8:6.9.10.23+dfsg-2.1+deb10u4' },
  { id: 'DLA-3369-1', ecosystem: 'Debian:10', name: 'runc', fixed: '1.0.0~rc6+dfsg1-3+deb10u2' },
  { id: 'DLA-3366-1', ecosystem: 'Debian:10', name: 'tzdata', fixed: '2021a-0+deb10u10' },
];

/** Installed versions around a fix: at it, just below, the previous update, the unpatched release, above. */
function around(fixed: string): string[] {
  const candidates = [
    fixed,
    `${fixed}~`, // `~` sorts before the end of the string: the closest version below
    fixed.replace(/(\d+)(\D*)$/, (_, digits: string, rest: string) => `${Math.max(0, Number(digits) - 1)}${rest}`),
    fixed.replace(/[+~]deb\d+u\d+$/, ''), // the release's own version, before the security update
    fixed.replace(/^\d+:/, ''), // without its epoch: far below
    `${fixed}+b1`, // a binNMU of the fixed source: above
    `${fixed}.1`,
  ];
  return [...new Set(candidates)].filter((v) => dpkgOrdering.isValid(v));
}

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** One `sh` per batch; a line per pair: "lt" when dpkg says installed < fixed. */
async function dpkgBelow(pairs: readonly [string, string][]): Promise<boolean[]> {
  const script = pairs.map(([a, b]) => `if dpkg --compare-versions ${quote(a)} lt ${quote(b)}; then echo lt; else echo ge; fi`).join('\n');
  const { stdout } = await run('sh', ['-c', script], { maxBuffer: 16 << 20 });
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(pairs.length);
  return lines.map((line) => line === 'lt');
}

interface Case {
  where: string;
  affected: OsvAffected;
  fixed: string;
  installed: string;
}

function casesFor(where: string, affected: OsvAffected): Case[] {
  const events = affected.ranges?.[0]?.events ?? [];
  const fixed = events.find((e) => e.fixed !== undefined)?.fixed;
  if (fixed === undefined) return [];
  return around(fixed).map((installed) => ({ where, affected, fixed, installed }));
}

async function disagreements(cases: readonly Case[]): Promise<string[]> {
  const below = await dpkgBelow(cases.map((c) => [c.installed, c.fixed]));
  const out: string[] = [];
  cases.forEach((c, i) => {
    const match = matchAffected(c.installed, c.affected, dpkgOrdering);
    const expected = below[i];
    if (match.affected !== expected || match.warnings.length > 0 || (expected && match.fixed !== c.fixed)) {
      out.push(`${c.where} ${c.installed} vs fixed ${c.fixed}: dpkg says ${expected ? 'affected' : 'not affected'}, got ${JSON.stringify(match)}`);
    }
  });
  return out;
}

describe('fixed versions of bullseye and buster against dpkg --compare-versions', () => {
  let records: OsvRecord[];
  beforeAll(() => {
    const dir = join(sharedData, 'debian-security-tracker');
    records = [
      ...debianTrackerListToOsv(readFileSync(join(dir, 'DSA', 'list')), 'DSA/list').records,
      ...debianTrackerListToOsv(readFileSync(join(dir, 'DLA', 'list')), 'DLA/list').records,
    ];
  });

  it('classifies versions around hand-picked real fixes exactly as dpkg orders them', async () => {
    const cases: Case[] = [];
    for (const pick of PICKED) {
      const record = records.find((r) => r.id === pick.id);
      const affected = record?.affected?.find((a) => a.package?.ecosystem === pick.ecosystem && a.package.name === pick.name);
      expect(affected, `${pick.id} ${pick.ecosystem}/${pick.name}`).toBeDefined();
      expect(affected?.ranges).toEqual([{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: pick.fixed }] }]);
      if (affected !== undefined) cases.push(...casesFor(`${pick.id} ${pick.name}`, affected));
    }
    // Every fix is checked at and below; most also from the unpatched release and above.
    expect(cases.length).toBeGreaterThanOrEqual(PICKED.length * 5);
    const affectedCount = cases.filter((c) => matchAffected(c.installed, c.affected, dpkgOrdering).affected).length;
    expect(affectedCount).toBeGreaterThan(PICKED.length * 2);
    expect(cases.length - affectedCount).toBeGreaterThan(PICKED.length * 2);
    expect(await disagreements(cases)).toEqual([]);
  });

  it('does the same for a spread of every bullseye and buster fix in both lists', async () => {
    const entries = records.flatMap((r) =>
      (r.affected ?? []).filter((a) => a.package?.ecosystem === 'Debian:11' || a.package?.ecosystem === 'Debian:10').map((a) => ({ id: r.id, a })),
    );
    expect(entries).toHaveLength(410 + 623 + 322);
    const cases = entries.filter((_, i) => i % 7 === 0).flatMap(({ id, a }) => casesFor(`${id} ${a.package?.name ?? ''}`, a));
    expect(cases.length).toBeGreaterThan(700);
    expect(await disagreements(cases)).toEqual([]);
  });
});
