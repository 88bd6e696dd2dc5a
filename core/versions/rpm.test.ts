import { describe, expect, it } from 'vitest';
import { almaLinuxOrdering, openSuseOrdering, redHatOrdering, rockyLinuxOrdering, suseOrdering } from './rpm.js';
import {
  HASH_COMMENTS,
  eventVersions,
  expectInvalid,
  lcg,
  opOf,
  osvRecords,
  pick,
  readVectors,
  runOracle,
  vectorFailures,
} from './vectors.test-helper.js';

let almaLinuxCache: Promise<Map<string, string[]>> | undefined;

/** The event versions of every AlmaLinux advisory in shared data, per package name (read once). */
function almaLinuxEventVersions(): Promise<Map<string, string[]>> {
  almaLinuxCache ??= readAlmaLinuxEventVersions();
  return almaLinuxCache;
}

async function readAlmaLinuxEventVersions(): Promise<Map<string, string[]>> {
  const byPackage = new Map<string, Set<string>>();
  for await (const record of osvRecords('AlmaLinux')) {
    for (const affected of record.affected ?? []) {
      if (affected.package === undefined || !affected.package.ecosystem.startsWith('AlmaLinux')) continue;
      const versions = byPackage.get(affected.package.name) ?? new Set<string>();
      byPackage.set(affected.package.name, versions);
      for (const v of eventVersions(affected, true)) versions.add(v);
    }
  }
  return new Map([...byPackage].map(([name, versions]) => [name, [...versions].sort()]));
}

// One Python process for all pairs: rpm splits each EVR itself (rpm.ver, rpm's
// own parser) and labelCompare orders them. Debian's python3-rpm lives in the
// system interpreter, hence /usr/bin/python3 rather than whatever is on PATH.
const RPM_COMPARE = [
  'import json, sys, rpm',
  'def evr(s):',
  '    v = rpm.ver(s)',
  '    return (v.e, v.v, v.r)',
  'for a, b in json.load(sys.stdin):',
  '    c = rpm.labelCompare(evr(a), evr(b))',
  '    print("<" if c < 0 else ">" if c > 0 else "=")',
].join('\n');

function rpmOrder(pairs: [string, string][]): Promise<string[]> {
  return runOracle(
    '/usr/bin/python3',
    ['-c', RPM_COMPARE],
    JSON.stringify(pairs),
    'the rpm oracle failed; it needs /usr/bin/python3 with rpm (Debian package python3-rpm)',
  );
}

// Epochs (missing, empty, zero-padded), tilde, caret and both together,
// releases missing and empty, letters against digits, separators of every
// kind including non-ASCII, colons that are not epochs.
const EDGE_VERSIONS = [
  '1', '1.0', '1.0-1', '1.0-', '1.0-0', '0:1.0', ':1.0', '00:1.0', '1:1.0', '2:0.1', '01:1.0-1', '1.0~rc1', '1.0~rc1-1',
  '1.0~~', '1.0~', '1.0~rc1~git1', '1.0^', '1.0^git1', '1.0^git1~pre', '1.0~rc1^git1', '1.0^20160101^git1', '1.0.1',
  '1.01', '1.0a', '1.0A', '1.0.a', '1.0_a', '1a', 'a1', 'a', 'aa', '1.0+1', '1.0-1.el8', '1.0-1.el8_4', '1.0-1.el8.alma',
  '1.0-1.module_el8.9.0+3627+db8ec155', '1.1.α', '1.1.ββ', 'a:1', '1.m+e2:1', '+', '_', '+2-:', '10xyz', 'xyz10',
  '20101121', '5.5p10', '2.0.1a', '1.0-1-1', '1:1:1', '3.10.0-229.el7', '3.10.0-229.1.2.ael7b', '0001', '0.0',
];

describe('RPM orderings against the osv-scalibr vectors', () => {
  it('hold every line of redhat-versions.txt, both ways round', () => {
    const vectors = readVectors('redhat-versions.txt', HASH_COMMENTS);
    expect(vectors.length).toBe(165);
    const failures: string[] = [];
    for (const ordering of [redHatOrdering, almaLinuxOrdering, rockyLinuxOrdering, openSuseOrdering, suseOrdering]) {
      failures.push(...vectorFailures(ordering, vectors).map((failure) => `${ordering.ecosystem} ${failure}`));
    }
    expect(failures).toEqual([]);
  });
});

describe('RPM ordering against rpm.labelCompare', () => {
  it('orders every AlmaLinux advisory version, edge cases and vector pairs exactly as rpm does', async () => {
    const byPackage = await almaLinuxEventVersions();
    const all = [...new Set([...byPackage.values()].flat())].sort();
    const random = lcg(20240611);
    const pairs: [string, string][] = [];
    for (const a of EDGE_VERSIONS) for (const b of EDGE_VERSIONS) pairs.push([a, b]);
    for (const v of readVectors('redhat-versions.txt', HASH_COMMENTS)) pairs.push([v.a, v.b]);
    // Every advisory version twice: against a version of a package that
    // mentions it (the comparisons matching makes) and against any other.
    const seen = new Set<string>();
    for (const versions of byPackage.values()) {
      for (const v of versions) {
        if (seen.has(v)) continue;
        seen.add(v);
        pairs.push([v, pick(random, versions)], [v, pick(random, all)]);
      }
    }
    expect(seen.size).toBe(all.length);
    expect(all.length).toBeGreaterThan(9_000);
    expect(pairs.length).toBeGreaterThan(20_000);

    const expected = await rpmOrder(pairs);
    expect(expected).toHaveLength(pairs.length);
    const mismatches = pairs
      .map(([a, b], i) => ({ a, b, rpm: expected[i], ours: opOf(almaLinuxOrdering.compare(a, b)) }))
      .filter((r) => r.rpm !== r.ours);
    expect(mismatches).toEqual([]);
  });
});

describe('RPM orderings on the AlmaLinux advisories in shared data', () => {
  it('accept every version in their events', async () => {
    const all = [...new Set([...(await almaLinuxEventVersions()).values()].flat())];
    // 9,763 distinct strings, from "0" (introduced) to module builds such
    // as "2:1.0.1-38.module_el8.9.0+3627+db8ec155"; none is invalid.
    expect(all).toHaveLength(9_763);
    expect(all.filter((v) => !almaLinuxOrdering.isValid(v))).toEqual([]);
  });
});

describe('RPM ordering rules', () => {
  const c = (a: string, b: string): number => redHatOrdering.compare(a, b);

  it('applies the rules rpm documents', () => {
    expect(c('1.0~rc1', '1.0')).toBe(-1); // `~` before the end of the string
    expect(c('1.0~~', '1.0~')).toBe(-1);
    expect(c('1.0', '1.0^git1')).toBe(-1); // `^` after the end of the string...
    expect(c('1.0^git1', '1.0.1')).toBe(-1); // ...and before anything else
    expect(c('1.0^git1', '1.0~rc1')).toBe(1);
    expect(c('1.0a', '1.0.1')).toBe(-1); // a digit run is newer than a letter run
    expect(c('1.010', '1.9')).toBe(1); // digit runs numerically
    expect(c('1.0001', '1.1')).toBe(0);
    expect(c('2.0', '2_0')).toBe(0); // separators only separate
    expect(c('1' + '0'.repeat(40), '9'.repeat(40))).toBe(1); // no integer overflow
  });

  it('splits epoch, version and release as rpm does', () => {
    expect(c('1:0.1', '9.9')).toBe(1);
    expect(c('0:1.0-1', '1.0-1')).toBe(0);
    expect(c(':1.0', '0:1.0')).toBe(0); // an empty epoch is 0
    expect(c('1.0', '1.0-0')).toBe(-1); // a missing release sorts first...
    expect(c('1.0', '1.0-')).toBe(-1); // ...even before an empty one
    expect(c('1.0-1-2', '1.0-1-10')).toBe(-1); // the last `-` starts the release
    expect(c('1.0-1.el8_4', '1.0-1.el8_10')).toBe(-1);
    expect(c('a:2', 'a:10')).toBe(-1); // not an epoch: part of the version
  });

  it('is one ordering under every RPM ecosystem name', () => {
    expect(redHatOrdering.ecosystem).toBe('Red Hat');
    expect(almaLinuxOrdering.ecosystem).toBe('AlmaLinux');
    expect(rockyLinuxOrdering.ecosystem).toBe('Rocky Linux');
    expect(openSuseOrdering.ecosystem).toBe('openSUSE');
    expect(suseOrdering.ecosystem).toBe('SUSE');
  });

  it('rejects invalid versions with VERSION_INVALID', () => {
    for (const v of ['', ' ', '1.0 ', ' 1.0', '1.0\t', '1.0\n', '1 0', '1:', '-1', '1:-1', '\u00a01.0', '1.0\u0085']) {
      expectInvalid(redHatOrdering, v);
      expect(() => suseOrdering.compare('1.0', v)).toThrow(/not a valid SUSE \(RPM\) version/);
    }
  });
});
