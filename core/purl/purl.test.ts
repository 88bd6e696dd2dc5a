import { describe, expect, it } from 'vitest';
import { isStellaError } from '../errors.js';
import type { ExtractedPackage, OsRelease } from '../model/package.js';
import { canonicalPurl, osvEcosystemFor, parsePurl, purlForPackage } from './index.js';

const bookworm: OsRelease = { id: 'debian', versionId: '12', versionCodename: 'bookworm' };
const jammy: OsRelease = { id: 'ubuntu', versionId: '22.04', versionCodename: 'jammy' };

function deb(fields: Partial<ExtractedPackage> & { name: string; version: string }): ExtractedPackage {
  return { type: 'deb', sourceFile: 'var/lib/dpkg/status', evidence: 'package-db', arch: 'amd64', ...fields };
}
function npm(name: string, version: string): ExtractedPackage {
  return { type: 'npm', name, version, sourceFile: 'app/package-lock.json', evidence: 'lockfile' };
}

describe('purlForPackage', () => {
  const cases: [string, ExtractedPackage, OsRelease | undefined, string][] = [
    ['plain deb', deb({ name: 'bash', version: '5.2.15-2+b2' }), bookworm, 'pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12'],
    ['epoch is percent-encoded', deb({ name: 'login', version: '1:4.13+dfsg1-1+b1', sourceName: 'shadow', sourceVersion: '1:4.13+dfsg1-1' }), bookworm,
      'pkg:deb/debian/login@1%3A4.13%2Bdfsg1-1%2Bb1?arch=amd64&distro=debian-12&upstream=shadow%401%3A4.13%2Bdfsg1-1'],
    ['source package with the same version', deb({ name: 'libc6', version: '2.36-9+deb12u4', sourceName: 'glibc' }), bookworm,
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc'],
    ['binNMU: same source name, other version', deb({ name: 'libfoo1', version: '1.0-1+b1', sourceVersion: '1.0-1' }), bookworm,
      'pkg:deb/debian/libfoo1@1.0-1%2Bb1?arch=amd64&distro=debian-12&upstream=libfoo1%401.0-1'],
    ['ubuntu namespace', deb({ name: 'openssl', version: '3.0.2-0ubuntu1.18' }), jammy, 'pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.18?arch=amd64&distro=ubuntu-22.04'],
    ['testing release without VERSION_ID', deb({ name: 'bash', version: '5.2.37-1', arch: 'arm64' }), { id: 'debian', versionCodename: 'trixie' },
      'pkg:deb/debian/bash@5.2.37-1?arch=arm64&distro=debian-trixie'],
    ['no OS known', deb({ name: 'bash', version: '5.2.15-2' }), undefined, 'pkg:deb/debian/bash@5.2.15-2?arch=amd64'],
    ['scoped npm', npm('@babel/core', '7.24.0'), undefined, 'pkg:npm/%40babel/core@7.24.0'],
    ['unscoped npm', npm('lodash', '4.17.21'), undefined, 'pkg:npm/lodash@4.17.21'],
    ['npm prerelease with build metadata', npm('left-pad', '1.0.0-rc.1+build.5'), undefined, 'pkg:npm/left-pad@1.0.0-rc.1%2Bbuild.5'],
  ];
  it.each(cases)('%s', (_label, pkg, os, expected) => {
    const purl = purlForPackage(pkg, os);
    expect(purl).toBe(expected);
    // Round trip: parsing and printing again changes nothing.
    expect(canonicalPurl(purl)).toBe(purl);
  });

  it('round-trips epoch, source and scope through parsePurl', () => {
    const login = parsePurl(purlForPackage(deb({ name: 'login', version: '1:4.13+dfsg1-1', sourceName: 'shadow' }), bookworm));
    expect(login).toEqual({
      type: 'deb', namespace: 'debian', name: 'login', version: '1:4.13+dfsg1-1',
      qualifiers: { arch: 'amd64', distro: 'debian-12', upstream: 'shadow' },
    });
    expect(parsePurl(purlForPackage(npm('@types/node', '20.19.43'), undefined))).toEqual({
      type: 'npm', namespace: '@types', name: 'node', version: '20.19.43', qualifiers: {},
    });
  });

  it('refuses a scoped npm name without a package part', () => {
    expect(() => purlForPackage(npm('@scope', '1.0.0'))).toThrow(/expected namespace\/name/);
  });
});

describe('parsePurl', () => {
  it('accepts the forms other tools write and prints one canonical form', () => {
    // Unencoded scope, unencoded epoch/plus (packageurl-js style), Syft's encoded form and unsorted qualifiers.
    expect(canonicalPurl('pkg:npm/@babel/core@7.0.0')).toBe('pkg:npm/%40babel/core@7.0.0');
    expect(canonicalPurl('pkg://npm/@babel/core@7.0.0')).toBe('pkg:npm/%40babel/core@7.0.0');
    const syft = 'pkg:deb/debian/login@1%3A4.13%2Bdfsg1-1%2Bb1?arch=amd64&upstream=shadow%404.13%2Bdfsg1-1&distro=debian-12';
    const plain = 'pkg:deb/debian/login@1:4.13+dfsg1-1+b1?distro=debian-12&arch=amd64&upstream=shadow@4.13%2Bdfsg1-1';
    expect(canonicalPurl(syft)).toBe(canonicalPurl(plain));
    expect(parsePurl(syft).version).toBe('1:4.13+dfsg1-1+b1');
    expect(parsePurl('pkg:maven/org.apache.tomcat/tomcat-catalina@9.0.14?packaging=jar')).toEqual({
      type: 'maven', namespace: 'org.apache.tomcat', name: 'tomcat-catalina', version: '9.0.14', qualifiers: { packaging: 'jar' },
    });
    expect(parsePurl('pkg:golang/github.com/foo/bar@v1.2.3#sub/dir').subpath).toBe('sub/dir');
  });

  const bad: [string, string, RegExp][] = [
    ['no scheme', 'not-a-purl', /"pkg" scheme/],
    ['no type', 'pkg:', /"type" is a required component/],
    ['no name', 'pkg:npm/', /"name" is a required component/],
    ['bad percent-escape', 'pkg:npm/%zz@1', /unable to decode "name"/],
    ['path traversal as type', 'pkg:../../../etc/passwd@1', /type "\.\."/],
    ['encoded NUL and repeated key', 'pkg:npm/a@1?x=%00&x=2#/../../', /control character/],
    ['repeated qualifier key', 'pkg:npm/a@1?x=1&X=2', /qualifier "x" appears twice/],
    ['100k characters', `pkg:npm/${'a'.repeat(100_000)}@1`, /100010 characters long \(limit 4096\)/],
    ['ambiguous @', 'pkg:npm/@scope@@1', /more than one unencoded "@"/],
    ['embedded newline', 'pkg:npm/a@1\n[ERROR] forged log line', /control character/],
    ['lone surrogate', 'pkg:npm/c\ud83d@1', /lone UTF-16 surrogate/],
  ];
  it.each(bad)('rejects a purl with %s: SBOM_INVALID, one-line message', (_label, purl, reason) => {
    let thrown: unknown;
    try {
      parsePurl(purl);
    } catch (error) {
      thrown = error;
    }
    expect(isStellaError(thrown) && thrown.code).toBe('SBOM_INVALID');
    const message = (thrown as Error).message;
    expect(message).toMatch(reason);
    expect(message).not.toMatch(/\n/);
    expect(message.length).toBeLessThan(300);
  });
});

describe('osvEcosystemFor', () => {
  const cases: [string, { ecosystem: string; name: string } | undefined][] = [
    ['pkg:npm/%40babel/core@7.24.0', { ecosystem: 'npm', name: '@babel/core' }],
    ['pkg:npm/lodash@4.17.20', { ecosystem: 'npm', name: 'lodash' }],
    ['pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12&upstream=glibc', { ecosystem: 'Debian:12', name: 'glibc' }],
    ['pkg:deb/debian/login@1%3A4.13?distro=debian-12.4&upstream=shadow%404.13', { ecosystem: 'Debian:12', name: 'shadow' }],
    ['pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie', { ecosystem: 'Debian:8', name: 'curl' }],
    ['pkg:deb/debian/bash@5.2.15-2', { ecosystem: 'Debian', name: 'bash' }],
    ['pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.18?distro=ubuntu-22.04', { ecosystem: 'Ubuntu:22.04:LTS', name: 'openssl' }],
    ['pkg:deb/ubuntu/openssl@3.0.10-1ubuntu2?distro=ubuntu-23.10', { ecosystem: 'Ubuntu:23.10', name: 'openssl' }],
    ['pkg:apk/alpine/libcrypto3@3.1.4-r0?arch=x86_64&upstream=openssl&distro=alpine-3.18.4', { ecosystem: 'Alpine:v3.18', name: 'openssl' }],
    ['pkg:cargo/serde@1.0.0', { ecosystem: 'crates.io', name: 'serde' }],
    ['pkg:pypi/django@4.2.0', { ecosystem: 'PyPI', name: 'django' }],
    ['pkg:golang/github.com/foo/bar@v1.2.3', { ecosystem: 'Go', name: 'github.com/foo/bar' }],
    ['pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core' }],
    ['pkg:gem/rails@7.0.0', { ecosystem: 'RubyGems', name: 'rails' }],
    ['pkg:composer/laravel/framework@7.12.0', { ecosystem: 'Packagist', name: 'laravel/framework' }],
    ['pkg:nuget/Newtonsoft.Json@13.0.1', { ecosystem: 'NuGet', name: 'Newtonsoft.Json' }],
    ['pkg:swift/github.com/apple/swift-nio@2.0.0', { ecosystem: 'SwiftURL', name: 'github.com/apple/swift-nio' }],
    ['pkg:rpm/almalinux/openssl@3.0.7?distro=almalinux-9.3', { ecosystem: 'AlmaLinux:9', name: 'openssl' }],
    ['pkg:deb/kali/bash@5.2', undefined],
    ['pkg:generic/openssl@1.1.1', undefined],
  ];
  it.each(cases)('%s', (purl, expected) => {
    expect(osvEcosystemFor(purl)).toEqual(expected);
    expect(osvEcosystemFor(parsePurl(purl))).toEqual(expected);
  });
});

describe('purlForPackage for every extracted type', () => {
  const pkg = (type: ExtractedPackage['type'], name: string, version: string, extra: Partial<ExtractedPackage> = {}): ExtractedPackage => ({
    type,
    name,
    version,
    sourceFile: 'x',
    evidence: 'lockfile',
    ...extra,
  });
  it.each([
    [pkg('apk', 'musl', '1.2.4-r2', { arch: 'x86_64', sourceName: 'musl' }), { id: 'alpine', versionId: '3.19.1' }, 'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1'],
    [pkg('rpm', 'openssl', '1:3.0.7-27.el9', { arch: 'x86_64' }), { id: 'almalinux', versionId: '9.3' }, 'pkg:rpm/almalinux/openssl@3.0.7-27.el9?arch=x86_64&distro=almalinux-9.3&epoch=1'],
    [pkg('pypi', 'Django', '4.2.0'), undefined, 'pkg:pypi/django@4.2.0'],
    [pkg('golang', 'github.com/gin-gonic/gin', 'v1.9.0'), undefined, 'pkg:golang/github.com/gin-gonic/gin@v1.9.0'],
    [pkg('cargo', 'serde', '1.0.190'), undefined, 'pkg:cargo/serde@1.0.190'],
    [pkg('gem', 'rails', '7.1.0'), undefined, 'pkg:gem/rails@7.1.0'],
    [pkg('composer', 'symfony/http-kernel', 'v6.3.0'), undefined, 'pkg:composer/symfony/http-kernel@v6.3.0'],
    [pkg('maven', 'org.apache.logging.log4j:log4j-core', '2.14.1'), undefined, 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'],
    [pkg('nuget', 'Newtonsoft.Json', '13.0.1'), undefined, 'pkg:nuget/Newtonsoft.Json@13.0.1'],
  ] as const)('%o', (p, os, expected) => {
    const purl = purlForPackage(p, os);
    expect(purl).toBe(expected);
    expect(canonicalPurl(purl)).toBe(purl);
  });

  it('maps each to its OSV ecosystem', () => {
    expect(osvEcosystemFor('pkg:golang/github.com/gin-gonic/gin@v1.9.0')).toEqual({ ecosystem: 'Go', name: 'github.com/gin-gonic/gin' });
    expect(osvEcosystemFor('pkg:composer/symfony/http-kernel@v6.3.0')).toEqual({ ecosystem: 'Packagist', name: 'symfony/http-kernel' });
    expect(osvEcosystemFor('pkg:rpm/almalinux/openssl@3.0.7-27.el9?arch=x86_64&distro=almalinux-9.3&epoch=1')).toEqual({ ecosystem: 'AlmaLinux:9', name: 'openssl' });
  });
});
