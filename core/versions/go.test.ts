import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { goOrdering } from './go.js';
import { expectInvalid, lcg, osvVersions } from './vectors.test-helper.js';

const PSEUDO_RE = /-(?:[0-9A-Za-z-]+\.)*(?:0\.)?[0-9]{14}-[0-9a-f]{12}(?:\+incompatible)?$/;

describe('goOrdering rules (Go modules reference)', () => {
  const c = (a: string, b: string): number => goOrdering.compare(a, b);

  it('orders releases, prereleases and the three pseudo-version forms', () => {
    const chain = [
      'v0.0.0-20170915032832-14c0d48ead0c', // no base version: below v0.0.0
      'v0.0.0-20191109021931-daa7c04131f5', // later commit, same form
      'v0.0.0',
      'v0.1.0-alpha',
      'v0.1.0-alpha.0.20200101000000-0123456789ab', // base v0.1.0-alpha
      'v0.1.0-alpha.0.20200102000000-0123456789ab',
      'v0.1.0-alpha.1',
      'v0.1.0-beta',
      'v0.1.0-rc.1',
      'v0.1.0',
      'v0.1.1-0.20200101000000-0123456789ab', // base v0.1.0: above it, below v0.1.1
      'v0.1.1-0.20210101000000-0123456789ab',
      'v0.1.1',
      'v0.2.0',
      'v0.10.0',
      'v1.0.0',
      'v2.0.0-rc.1+incompatible',
      'v2.0.0+incompatible',
      'v2.0.1-0.20210101000000-0123456789ab+incompatible',
      'v2.0.1',
      'v10.0.0',
      'v99999999999999999999.0.0',
    ];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(c(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(c(chain[i + 1] ?? '', chain[i] ?? '')).toBe(1);
    }
  });

  it('orders OSV spellings without the v, +incompatible and shorthands like the module versions', () => {
    const same: [string, string][] = [
      ['v1.2.3', '1.2.3'], ['v0.0.0-20191109021931-daa7c04131f5', '0.0.0-20191109021931-daa7c04131f5'],
      ['v2.0.0+incompatible', 'v2.0.0'], ['2.0.0+incompatible', 'v2.0.0'], ['v1.2.3+meta.01', 'v1.2.3'],
      ['v1', 'v1.0.0'], ['v1.2', '1.2.0'], ['0', 'v0.0.0'],
    ];
    for (const [a, b] of same) expect(c(a, b), `${a} = ${b}`).toBe(0);
    expect(c('v1.0.0-9', 'v1.0.0-10')).toBe(-1); // numeric identifiers numerically
    expect(c('v1.0.0-9', 'v1.0.0-a')).toBe(-1); // and below alphanumeric ones
    expect(c('v1.0.0-20191109021931-daa7c04131f5', 'v1.0.0-20191109021931-daa7c04131f6')).toBe(-1); // commit hash breaks ties
  });

  it('rejects what is not a module version with VERSION_INVALID', () => {
    expect(goOrdering.ecosystem).toBe('Go');
    const invalid = [
      '', 'v', 'V1.2.3', 'vv1.2.3', ' v1.2.3', 'v1.2.3 ', 'v1.2.3.4', 'v01.2.3', 'v1.02.3', 'v1.2.03', 'v1.2.3-01',
      'v1.2.3-', 'v1.2.3+', 'v1.2.3-a..b', 'v1.2.3-a_b', 'v1.2-pre', 'v1+incompatible', 'v1.2+meta', 'latest',
      'master', 'daa7c04131f5', '=v1.2.3', '-1.2.3', 'v1.2.3-é',
    ];
    for (const v of invalid) expectInvalid(goOrdering, v, { error: /not a valid Go module version/ });
  });
});

describe('goOrdering over the Go advisories', () => {
  it('reads every version in every event of every Go record', async () => {
    const versions = await osvVersions('Go');
    expect(versions.length).toBeGreaterThan(2_000);
    // None invalid: golang/vulndb writes module versions without the `v`.
    expect(versions.filter((v) => !goOrdering.isValid(v))).toEqual([]);
    // `0` is OSV's "since the first version" (the matcher treats it apart;
    // here it reads as the shorthand v0 = v0.0.0); the rest are full versions.
    expect(versions.filter((v) => !/^[0-9]+\.[0-9]+\.[0-9]+/.test(v))).toEqual(['0']);
    expect(versions.filter((v) => v.endsWith('+incompatible')).length).toBeGreaterThan(250);
    expect(versions.filter((v) => PSEUDO_RE.test(v)).length).toBeGreaterThan(100);
  });

  it('orders the advisory versions as SemVer 2.0.0 precedence (the semver package) does', async () => {
    const versions = (await osvVersions('Go')).filter((v) => semver.valid(v) !== null);
    expect(versions.length).toBeGreaterThan(2_000);
    const pairs: [string, string][] = [];
    // Neighbours in our order, then random pairs across the whole list.
    const sorted = [...versions].sort((a, b) => goOrdering.compare(a, b));
    for (let i = 0; i + 1 < sorted.length; i++) pairs.push([sorted[i] ?? '', sorted[i + 1] ?? '']);
    const random = lcg(119);
    const pick = (): string => versions[Math.floor(random() * versions.length)] ?? '';
    for (let i = 0; i < 20_000; i++) pairs.push([pick(), pick()]);
    const mismatches = pairs.filter(([a, b]) => goOrdering.compare(a, b) !== semver.compare(a, b));
    expect(mismatches).toEqual([]);
    // With the `v`, as go.mod spells them, nothing changes.
    expect(pairs.filter(([a, b]) => goOrdering.compare(`v${a}`, b) !== semver.compare(a, b))).toEqual([]);
  });
});
