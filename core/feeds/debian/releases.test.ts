import { describe, expect, it } from 'vitest';
import { DEBIAN_RELEASES, debianReleaseFor } from './releases.js';

describe('debianReleaseFor', () => {
  it('maps every codename to its release number and back', () => {
    const table = Object.fromEntries(DEBIAN_RELEASES.map((r) => [r.codename, r.version]));
    expect(table).toEqual({
      buzz: '1.1', rex: '1.2', bo: '1.3', hamm: '2.0', slink: '2.1', potato: '2.2', woody: '3.0', sarge: '3.1',
      etch: '4', lenny: '5', squeeze: '6', wheezy: '7', jessie: '8', stretch: '9', buster: '10', bullseye: '11',
      bookworm: '12', trixie: '13', forky: '14', duke: '15',
    });
    for (const release of DEBIAN_RELEASES) {
      expect(debianReleaseFor(release.codename)).toEqual(release);
      expect(debianReleaseFor(release.version)).toEqual(release);
      expect(release.ecosystem).toBe(`Debian:${release.version}`);
    }
  });

  it('reads what os-release, debian_version, purls and OSV ecosystems hold', () => {
    expect(debianReleaseFor('bullseye')).toEqual({ codename: 'bullseye', version: '11', ecosystem: 'Debian:11' });
    expect(debianReleaseFor(' Bookworm ')?.version).toBe('12');
    expect(debianReleaseFor('11.7')?.codename).toBe('bullseye'); // /etc/debian_version
    expect(debianReleaseFor('debian-11')?.codename).toBe('bullseye'); // purl distro=debian-11
    expect(debianReleaseFor('debian-buster')?.version).toBe('10');
    expect(debianReleaseFor('Debian:10')?.codename).toBe('buster');
    expect(debianReleaseFor('4.0r9')?.codename).toBe('etch');
    expect(debianReleaseFor('3.1r8')?.codename).toBe('sarge');
    expect(debianReleaseFor('3.0')?.codename).toBe('woody');
    expect(debianReleaseFor('1.3.1')?.codename).toBe('bo');
  });

  it('names nothing for unknown or ambiguous input', () => {
    for (const input of ['sid', 'unstable', 'experimental', '3', '16', '0', '', 'bullseye-security', 'constructor', '__proto__', '11a', 'debian-']) {
      expect(debianReleaseFor(input), input).toBeUndefined();
    }
  });
});
