import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/helpers/paths.js';
import { alpineOrdering } from './alpine.js';
import { HASH_COMMENTS, expectInvalid as expectInvalidFor, readVectors, vectorFailures } from './vectors.test-helper.js';

/** One version a line; blank lines and `#` comments skipped. */
function readList(file: string): string[] {
  return readFileSync(join(sharedData, 'versions', 'osv.dev', 'alpine', file), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function expectInvalid(version: string): void {
  expectInvalidFor(alpineOrdering, version, { against: '1.0-r0' });
}

describe('alpineOrdering against the osv-scalibr vectors', () => {
  it('holds every line of alpine-versions-generated.txt (real Alpine versions), both ways round', () => {
    const vectors = readVectors('alpine-versions-generated.txt', HASH_COMMENTS);
    expect(vectors.length).toBeGreaterThan(13_000);
    expect(vectorFailures(alpineOrdering, vectors)).toEqual([]);
  });

  // osv-scalibr's hand-written file also probes how its parser copes with
  // strings apk-tools refuses, and osv.dev's converter refuses the same
  // shapes (its invalid_versions.txt has `2.19.10.4_y8`, `57-1-r2`,
  // `1.18.-r2`). An invalid version is reported, not ordered, so these
  // lines are checked to be rejected instead.
  const NOT_ALPINE = [
    '1-r', '1-r-0', '1-r-1', '0..1..0', '0...1...0', '0...1...0.r1', '0...1...0r1', '0..8', '0...8', '1.2.0A',
    '1.2.0D', '1-ruff', '1-r0-1', '1-r-2', '1-r0-2', '1-ruff2', '1-ruff1', '1--ruff1', '1-r0-ruff2', '1-r0-ruff1',
    '1.2_blah', '1.2_csv2', '.1', '.2', 'a', 'b', 'c', '23_foo', '1.0bc',
  ];

  it('holds every line of alpine-versions.txt whose versions are Alpine versions, both ways round', () => {
    const vectors = readVectors('alpine-versions.txt', HASH_COMMENTS);
    const skipped = vectors.filter((v) => NOT_ALPINE.includes(v.a) || NOT_ALPINE.includes(v.b));
    const checked = vectors.filter((v) => !skipped.includes(v));
    expect(skipped).toHaveLength(29);
    expect(checked.length).toBeGreaterThan(700);
    expect(vectorFailures(alpineOrdering, checked)).toEqual([]);
  });

  it('rejects the versions of the other lines', () => {
    for (const v of NOT_ALPINE) expectInvalid(v);
  });
});

describe('alpineOrdering against the osv.dev Alpine fixtures', () => {
  it('accepts every version in valid_versions.txt', () => {
    const valid = readList('valid_versions.txt');
    expect(valid.length).toBeGreaterThan(170);
    expect(valid.filter((v) => !alpineOrdering.isValid(v))).toEqual([]);
  });

  it('rejects every version in invalid_versions.txt', () => {
    const invalid = readList('invalid_versions.txt');
    expect(invalid).toHaveLength(11);
    for (const v of invalid) expectInvalid(v);
  });
});

describe('alpineOrdering rules', () => {
  const c = (a: string, b: string): number => alpineOrdering.compare(a, b);

  it('orders the token kinds as apk-tools does', () => {
    const chain = [
      '1.2_alpha', '1.2_alpha1', '1.2_beta', '1.2_pre2', '1.2_rc1', '1.2', '1.2-r1', '1.2~0a1', '1.2_cvs',
      '1.2_svn1', '1.2_git20240101', '1.2_hg1', '1.2_p1', '1.2_p2_p1', '1.2a', '1.2b_rc1', '1.2b', '1.2.0', '1.2.1',
    ];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(c(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(c(chain[i + 1] ?? '', chain[i] ?? '')).toBe(1);
    }
    expect(c('0.1.0_alpha_pre2', '0.1.0_alpha')).toBe(-1); // a further pre-release suffix is older
    expect(c('1.0_p1_cvs', '1.0_p1')).toBe(1);
  });

  it('compares numbers numerically, except a later component with a leading zero as a string', () => {
    expect(c('1.10', '1.9')).toBe(1);
    expect(c('006', '1.0')).toBe(1); // the first component is always a number
    expect(c('1.02', '1.1')).toBe(-1); // "02" < "1" as strings
    expect(c('1.010', '1.02')).toBe(-1); // "010" < "02"
    expect(c('1.0', '1.00')).toBe(-1); // a prefix first
    expect(c('1-r1', '1-r01')).toBe(0); // revisions are numbers
    expect(c('1_p9', '1_p10')).toBe(-1); // so are suffix numbers
    expect(c('1.0_pre20191002222144', '1.0_pre20210530193627')).toBe(-1);
    expect(c('1.99999999999999999999', '1.99999999999999999998')).toBe(1);
  });

  it('reads the older letter-and-number form and the .rN revision', () => {
    expect(c('5.1_p1-r2', '5.1p1-r0')).toBe(-1); // a letter outranks a suffix
    expect(c('5.1p1-r0', '5.2_p1-r0')).toBe(-1);
    expect(c('1.8.28p1-r1', '1.8.28p2-r0')).toBe(-1);
    expect(c('1.8.28p9', '1.8.28p10')).toBe(-1);
    expect(c('10.2.22.r0', '10.2.22-r0')).toBe(0);
    expect(c('0.8.21.r2', '0.8.21r2')).toBe(-1);
  });

  it('orders commit hashes as strings, before the revision', () => {
    expect(c('1.0~abc', '1.0~abd')).toBe(-1);
    expect(c('1.0~abc-r1', '1.0~abc-r2')).toBe(-1);
    expect(c('1.0_git1~abc', '1.0_git1')).toBe(1);
  });

  it('reads a long version in linear time', () => {
    const long = `1${'.1'.repeat(200_000)}`;
    expect(c(long, `${long}.1`)).toBe(-1);
    expect(alpineOrdering.isValid(`${long}a_p1~ab-r1`)).toBe(true);
    expect(alpineOrdering.isValid(`${long}.`)).toBe(false);
  });

  it('rejects what apk-tools refuses, with VERSION_INVALID', () => {
    const invalid = [
      '', ' 1.0', '1.0 ', 'v1.0', '1.0A', '1.0ab', '1.0a.1', '1.0a1.1', '1.0a1b', '1.0_', '1.0_RC1', '1.0_rc1a',
      '1.0_rc1.1', '1.0-r', '1.0-r1-r2', '1.0-r1_p1', '1.0-1', '1.0~', '1.0~XYZ', '1.0~abc~def', '1.0-r1~abc', '1.0.',
      '1.0..1', '1.0.r', '1.0.r1.2', '1.0+1', '1:1.0', '1.0_p1a',
    ];
    for (const v of invalid) expectInvalid(v);
    expect(() => c('1.0', '1.0_blah')).toThrow(/not a valid Alpine version/);
    expect(alpineOrdering.ecosystem).toBe('Alpine');
  });
});
