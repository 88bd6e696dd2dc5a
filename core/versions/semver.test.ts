import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { cratesOrdering, semverOrdering } from './semver.js';
import { expectInvalid as expectInvalidFor, osvVersions, readVectors, vectorFailures, vectorText } from './vectors.test-helper.js';

function expectInvalid(ordering: typeof semverOrdering, version: string): void {
  expectInvalidFor(ordering, version, { against: '1.0.0' });
}

describe('semverOrdering against the osv-scalibr vectors', () => {
  // osv-scalibr's "semver" is lenient, Go-style: it pads missing components
  // with zeros and reads a fourth or fifth number as more build data. These
  // two lines use versions that are not SemVer 2.0.0 (one component; five
  // components), which npm and Cargo refuse, so they have no npm ordering.
  const NOT_SEMVER = new Set([
    '999999999999999999999999999991 < 999999999999999999999999999999',
    '1.1.3.4.5 = 1.1.3.4.5',
  ]);

  it('holds every SemVer 2.0.0 line of semver-versions.txt, both ways round', () => {
    const vectors = readVectors('semver-versions.txt');
    const checked = vectors.filter((v) => !NOT_SEMVER.has(vectorText(v)));
    expect(vectorFailures(semverOrdering, checked)).toEqual([]);
    expect(checked.length).toBe(vectors.length - NOT_SEMVER.size);
    expect(checked.length).toBeGreaterThan(80);
  });

  it('skips only lines whose versions are not SemVer 2.0.0', () => {
    for (const line of NOT_SEMVER) {
      const [a] = line.split(' ');
      expect(semverOrdering.isValid(a ?? '')).toBe(false);
      expect(semver.valid(a ?? '')).toBeNull();
    }
  });
});

describe('semverOrdering against the semver package', () => {
  it('agrees on validity and on the order of every pair of real advisory versions', async () => {
    // Every version string an advisory mentions, in any ecosystem.
    const all = await osvVersions('npm', { accepts: () => true });
    // Validity: strict semver (which also takes a leading `v`) is npm's
    // grammar for published versions.
    const validityMismatches = all.filter((v) => semverOrdering.isValid(v) !== (semver.valid(v) !== null));
    expect(validityMismatches).toEqual([]);

    const valid = all.filter((v) => semver.valid(v) !== null);
    expect(valid.length).toBeGreaterThan(300);
    // Other ecosystems' versions ("0", "2.0a1", "1.0.0.rc.1") are in the zip too.
    expect(all.length - valid.length).toBeGreaterThan(10);

    const mismatches: string[] = [];
    for (const a of valid) {
      for (const b of valid) {
        const ours = semverOrdering.compare(a, b);
        if (ours !== semver.compare(a, b)) mismatches.push(`${a} vs ${b}: ours ${ours}`);
        if (cratesOrdering.isValid(a) && cratesOrdering.isValid(b) && cratesOrdering.compare(a, b) !== ours) {
          mismatches.push(`${a} vs ${b}: crates.io differs from npm`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('semverOrdering rules', () => {
  it('orders the SemVer 2.0.0 precedence example', () => {
    const chain = [
      '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11',
      '1.0.0-rc.1', '1.0.0', '1.0.1', '1.1.0', '2.0.0', '10.0.0',
    ];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(semverOrdering.compare(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(cratesOrdering.compare(chain[i + 1] ?? '', chain[i] ?? '')).toBe(1);
    }
  });

  it('ignores build metadata and compares numbers of any size exactly', () => {
    expect(semverOrdering.compare('1.2.3+build.1', '1.2.3+build.2')).toBe(0);
    expect(semverOrdering.compare('1.2.3-rc.1+a', '1.2.3-rc.1')).toBe(0);
    expect(semverOrdering.compare('9007199254740993.0.0', '9007199254740992.0.0')).toBe(1);
    expect(semverOrdering.compare('1.0.0-9007199254740993', '1.0.0-9007199254740992')).toBe(1);
    expect(semverOrdering.compare('1.0.0-10', '1.0.0-9')).toBe(1);
    expect(semverOrdering.compare('1.0.0-9', '1.0.0-a')).toBe(-1); // numeric below alphanumeric
    expect(semverOrdering.compare('1.0.0-0a', '1.0.0-1')).toBe(1); // "0a" is alphanumeric
  });

  it('tolerates a leading v or = for npm, not for crates.io', () => {
    for (const v of ['v1.2.3', '=1.2.3', 'v=1.2.3', ' v1.2.3 ', '=v1.2.3']) {
      expect(semverOrdering.compare(v, '1.2.3'), v).toBe(0);
      expectInvalid(cratesOrdering, v);
    }
    expect(semverOrdering.ecosystem).toBe('npm');
    expect(cratesOrdering.ecosystem).toBe('crates.io');
  });

  it('rejects what is not SemVer 2.0.0 with VERSION_INVALID', () => {
    const invalid = [
      '', '0', '1', '1.2', '1.2.3.4', '01.2.3', '1.02.3', '1.2.03', '1.2.3-01', '1.2.3-', '1.2.3+', '1.2.3-a..b',
      '1.2.3+a..b', '1.2.3-a_b', '1.2.3 4', 'x.y.z', '1.2.3beta', '-1.2.3', `1.2.3-${'a'.repeat(300)}`, 'vv',
    ];
    for (const v of invalid) {
      expectInvalid(semverOrdering, v);
      expectInvalid(cratesOrdering, v);
    }
  });
});
