import { describe, expect, it } from 'vitest';
import { pubOrdering } from './pub.js';
import { expectInvalid as expectInvalidFor, readVectors, vectorFailures, vectorText } from './vectors.test-helper.js';

function expectInvalid(version: string): void {
  expectInvalidFor(pubOrdering, version, { against: '1.0.0' });
}

describe('pubOrdering against the osv-scalibr vectors', () => {
  // pub-versions.txt is osv-scalibr's lenient semver set with pub's build
  // ordering. pub's parser takes neither a `v` prefix nor anything but
  // three components; lines using those are checked without the `v`, and
  // the three lines that are not pub versions at all are only checked to
  // be rejected.
  const NOT_PUB = new Set([
    '999999999999999999999999999991 < 999999999999999999999999999999', // one component
    // three components, each past Dart's 64-bit int: pub refuses them
    '999999999999999999999999999991.999999999999999999999999999991.999999999999999999999999999991 < 999999999999999999999999999999.999999999999999999999999999991.999999999999999999999999999991',
    '1.1.3.4.5 = 1.1.3.4.5', // five components
  ]);
  const vectors = readVectors('pub-versions.txt');
  const withoutV = (v: string): string => v.replace(/^v/, '');

  it('holds every line of pub-versions.txt that uses pub versions, both ways round', () => {
    const pubVectors = vectors.filter((v) => !NOT_PUB.has(vectorText(v))).map((v) => ({ ...v, a: withoutV(v.a), b: withoutV(v.b) }));
    expect(vectorFailures(pubOrdering, pubVectors)).toEqual([]);
    expect(vectors.length - NOT_PUB.size).toBe(97);
  });

  it('rejects the v prefix and the lines that are not pub versions', () => {
    const vLines = vectors.filter((v) => v.a.startsWith('v') || v.b.startsWith('v'));
    expect(vLines.length).toBe(29);
    for (const v of vLines) expectInvalid(v.a.startsWith('v') ? v.a : v.b);
    for (const line of NOT_PUB) expectInvalid(line.split(' ')[0] ?? '');
  });
});

describe('pubOrdering rules', () => {
  const c = (a: string, b: string): number => pubOrdering.compare(a, b);

  it('orders prereleases as SemVer does', () => {
    const chain = [
      '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11',
      '1.0.0-rc.1', '1.0.0', '1.0.1', '1.1.0', '2.0.0', '10.0.0',
    ];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(c(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(c(chain[i + 1] ?? '', chain[i] ?? '')).toBe(1);
    }
  });

  it('sorts build metadata after its absence and compares builds like prereleases', () => {
    expect(c('1.0.0', '1.0.0+0')).toBe(-1);
    expect(c('1.0.0-pre', '1.0.0-pre+build')).toBe(-1);
    expect(c('1.0.0-pre+build', '1.0.0')).toBe(-1); // the prerelease decides first
    expect(c('1.2.3+9', '1.2.3+10')).toBe(-1);
    expect(c('1.2.3+10', '1.2.3+a')).toBe(-1);
    expect(c('1.2.3+a', '1.2.3+a.1')).toBe(-1);
    expect(c('1.2.3+a.b', '1.2.3+a.1')).toBe(1);
    expect(c('1.2.3+build.1', '1.2.3+build.1')).toBe(0);
  });

  it('reads numbers as Dart does: leading zeros ignored, past 64 bits a word', () => {
    expect(c('01.02.03', '1.2.3')).toBe(0);
    expect(c('1.0.0-01', '1.0.0-1')).toBe(0);
    expect(c('9223372036854775807.0.0', '9223372036854775806.0.0')).toBe(1);
    expect(c('1.0.0-9223372036854775807', '1.0.0-9223372036854775806')).toBe(1);
    // One past int64: int.tryParse gives up, so it is a word, after every number.
    expect(c('1.0.0-9223372036854775808', '1.0.0-99999')).toBe(1);
    expect(c('1.0.0-99999999999999999999', '1.0.0-9223372036854775808')).toBe(1); // as strings
    expect(c('1.0.0-5-foo', '1.0.0-5')).toBe(1); // "5-foo" is a word
  });

  it('rejects what pub_semver does not parse, and identifiers Dart reads in its own way', () => {
    const invalid = [
      '', '1', '1.2', '1.2.3.4', 'v1.2.3', '=1.2.3', ' 1.2.3', '1.2.3 ', '1.2.3-', '1.2.3+', '1.2.3-a..b', '1.2.3-a_b',
      '1.2.3beta', '-1.2.3', '9223372036854775808.0.0', '1.2.3-0x1f', '1.2.3+-5', '1.2.3-a.-1',
    ];
    for (const v of invalid) expectInvalid(v);
    expect(() => c('1.2.3', 'v1.2.3')).toThrow(/not a valid Pub version/);
    expect(pubOrdering.ecosystem).toBe('Pub');
  });
});
