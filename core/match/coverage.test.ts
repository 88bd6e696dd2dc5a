import { describe, expect, it } from 'vitest';
import type { ReportComponent } from '../model/report.js';
import { ecosystemsOf } from './advisory-source.js';
import { computeCoverage } from './coverage.js';

const npm = (name: string, version: string): ReportComponent => ({ purl: `pkg:npm/${name}@${version}`, name, version, type: 'npm' });
const deb = (name: string, version: string, distro: string): ReportComponent => ({
  purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=${distro}`,
  name,
  version,
  type: 'deb',
});

describe('computeCoverage', () => {
  const components = [
    npm('lodash', '4.17.15'),
    npm('qs', '6.7.0'),
    npm('broken', 'not-a-version'),
    deb('bash', '5.2.15-2+b2', 'debian-12'),
    deb('libc6', '2.36-9+deb12u4', 'debian-12'),
    deb('zlib1g', '1:1.2.11.dfsg-2+deb11u2', 'debian-11'),
    { purl: 'pkg:generic/openssl@3.0.0', name: 'openssl', version: '3.0.0', type: 'generic' },
    { purl: 'pkg:swift/github.com/apple/swift-nio@2.0.0', name: 'swift-nio', version: '2.0.0', type: 'swift' },
  ];

  it('counts per ecosystem and release the components checked and the advisories they were checked against', () => {
    const coverage = computeCoverage(components, new Map([['npm', 170], ['Debian:11', 12], ['Debian:13', 4]]));
    expect(coverage.ecosystems).toEqual([
      { ecosystem: 'Debian:11', type: 'deb', components: 1, checked: 1, advisories: 12 },
      { ecosystem: 'Debian:12', type: 'deb', components: 2, checked: 0, advisories: 0 },
      { ecosystem: 'SwiftURL', type: 'swift', components: 1, checked: 0, advisories: 0 },
      { ecosystem: 'npm', type: 'npm', components: 3, checked: 2, advisories: 170 },
    ]);
  });

  it('names every component it could not check, with the reason', () => {
    const coverage = computeCoverage(components, new Map([['npm', 170], ['Debian:11', 12]]));
    expect(coverage.unchecked.map((u) => [u.purl.split('?')[0], u.ecosystem, u.reason])).toEqual([
      ['pkg:deb/debian/bash@5.2.15-2%2Bb2', 'Debian:12', 'no-advisories'],
      ['pkg:deb/debian/libc6@2.36-9%2Bdeb12u4', 'Debian:12', 'no-advisories'],
      ['pkg:generic/openssl@3.0.0', undefined, 'no-ecosystem'],
      ['pkg:npm/broken@not-a-version', 'npm', 'invalid-version'],
      ['pkg:swift/github.com/apple/swift-nio@2.0.0', 'SwiftURL', 'no-ordering'],
    ]);
    // No ecosystem: the key is absent, not undefined, so the report's bytes never carry a null.
    expect(Object.keys(coverage.unchecked.find((u) => u.reason === 'no-ecosystem') ?? {})).not.toContain('ecosystem');
  });

  it('without a feed, nothing is checked', () => {
    const coverage = computeCoverage(components, new Map());
    expect(coverage.ecosystems.every((e) => e.checked === 0 && e.advisories === 0)).toBe(true);
    expect(coverage.unchecked).toHaveLength(components.length);
  });

  it('is the same whatever the order of the components', () => {
    const counts = new Map([['npm', 1], ['Debian:12', 1]]);
    expect(computeCoverage([...components].reverse(), counts)).toEqual(computeCoverage(components, counts));
  });
});

describe('ecosystemsOf', () => {
  it('counts a record once per ecosystem it names, and a withdrawn record in none', () => {
    const affected = (ecosystem: string) => ({ package: { ecosystem, name: 'x' } });
    expect([...ecosystemsOf({ id: 'A', modified: '', affected: [affected('Debian:12'), affected('Debian:11'), affected('Debian:12')] })].sort()).toEqual(['Debian:11', 'Debian:12']);
    expect(ecosystemsOf({ id: 'B', modified: '', withdrawn: '2024-01-01T00:00:00Z', affected: [affected('npm')] }).size).toBe(0);
  });
});
