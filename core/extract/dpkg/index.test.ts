import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExtractResult } from '../extractor.js';
import { sharedData } from '../../../test/helpers/paths.js';
import { encode, expectStellaError, fixtureExtract, ids, peerFixtures } from '../fixtures.test-helper.js';
import { dpkgExtractor, isDpkgDatabase, parseSourceField } from './index.js';

const trivyDir = join(sharedData, 'fixtures', 'dpkg', 'trivy');

/** Feeds a fixture to the extractor under the path it would have in a target. */
const extractFixture = fixtureExtract(dpkgExtractor, peerFixtures('dpkg'), 'var/lib/dpkg/status');

describe('dpkg: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, expected count, expected name@version in the peer's listing]
  const cases: Array<[string, number, string[]]> = [
    ['dpkg/noversion', 2, ['foo@1.0', 'bar@2.0']],
    ['dpkg/nopackage', 2, ['foo@1.0', 'bar@2.0']],
    ['dpkg/statusfield', 3, ['wantinstall_installed@1.0', 'wantdeinstall_installed@1.0', 'wantpurge_installed@1.0']],
    ['dpkg/empty', 0, []],
    ['dpkg/single', 1, ['acl@2.3.1-3']],
    ['dpkg/trailingnewlines', 1, ['acl@2.3.1-3']],
    ['dpkg/transitional', 1, ['iceweasel@78.13.0esr-1~deb10u1']],
    ['dpkg/transitional_dummy', 1, ['git-core@1:2.14.2-1']],
    ['dpkg/transitional_empty', 1, ['runit-systemd@2.1.2-54+usrmerge']],
    // opkg status files share the format; the peer reads them with the same parser.
    ['opkg/valid', 3, ['ubus@2024.10.20~252a9b0c-r1', 'libuci20130104@2023.08.10~5781664d-r1', 'busybox@1.36.1-r2']],
    ['opkg/noversion', 2, ['ubus@2024.10.20~252a9b0c-r1', 'busybox@1.36.1-r2']],
    ['opkg/nopackage', 2, ['ubus@2024.10.20~252a9b0c-r1', 'busybox@1.36.1-r2']],
    ['opkg/statusfield', 2, ['wantinstall_installed@1.0', 'wantpurge_installed@1.0']],
    ['opkg/empty', 0, []],
    ['opkg/single', 1, ['ubus@2024.10.20~252a9b0c-r1']],
    ['opkg/trailingnewlines', 1, ['ubus@2024.10.20~252a9b0c-r1']],
    // EXPECTED.md says 2 (ubus, acl) but the file holds one stanza and the peer's test expects only ubus.
    ['opkg/transitional', 1, ['ubus@2024.10.20~252a9b0c-r1']],
  ];

  it.each(cases)('%s: %i packages', (fixture, count, expected) => {
    const result = extractFixture(fixture);
    expect(result.packages).toHaveLength(count);
    expect(ids(result)).toEqual(expected);
    for (const pkg of result.packages) {
      expect(pkg).toMatchObject({ type: 'deb', evidence: 'package-db', sourceFile: 'var/lib/dpkg/status' });
    }
  });

  it('status.d/foo: a distroless stanza without Status is installed, a config-files one is not', () => {
    const result = extractFixture('dpkg/status.d/foo', 'var/lib/dpkg/status.d/foo');
    expect(ids(result)).toEqual(['foo@1.2.3']);
    expect(result.packages[0]).toMatchObject({ arch: 'amd64', sourceFile: 'var/lib/dpkg/status.d/foo' });
    expect(result.warnings).toBeUndefined();
  });

  it('status.d/*.md5sums is not a package record and is never requested', () => {
    expect(isDpkgDatabase('var/lib/dpkg/status.d/foo.md5sums')).toBe(false);
  });

  it.each(['dpkg/invalid', 'opkg/invalid'])('%s: junk with no valid stanza throws a StellaError naming the file', (fixture) => {
    expect(expectStellaError(() => extractFixture(fixture)).message).toContain('var/lib/dpkg/status');
  });

  it('statusfield: we have no include-not-installed option; not-installed states are skipped quietly', () => {
    // The peer's "statusfield including not installed" case (7 packages) uses an option we do not offer.
    const result = extractFixture('dpkg/statusfield');
    const names = result.packages.map((p) => p.name);
    expect(names).not.toContain('wantdeinstall_configfiles');
    expect(names).not.toContain('wantinstall_unpacked');
    expect(names).not.toContain('wantinstall_halfinstalled');
    // The only warning is the stanza that lacks Status, which dpkg always writes in var/lib/dpkg/status.
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings?.[0]).toMatch(/wantnostatus: no Status field/);
  });

  it('warns about the stanzas it skips for missing name or version', () => {
    expect(extractFixture('dpkg/nopackage').warnings?.[0]).toMatch(/line 5: no valid Package field/);
    expect(extractFixture('dpkg/noversion').warnings?.[0]).toMatch(/acl: no Version field/);
  });

  it('reports architecture and source package', () => {
    const [iceweasel] = extractFixture('dpkg/transitional').packages;
    expect(iceweasel).toMatchObject({ name: 'iceweasel', arch: 'all', sourceName: 'firefox-esr' });
    expect(iceweasel?.sourceVersion).toBeUndefined();
    const [acl] = extractFixture('dpkg/single').packages;
    // No Source field: the source package is the binary package, left implicit.
    expect(acl?.sourceName).toBeUndefined();
  });
});

describe('dpkg: trivy fixtures', () => {
  const read = (name: string): ExtractResult =>
    dpkgExtractor.extract({ path: 'var/lib/dpkg/status', contents: readFileSync(join(trivyDir, name, 'var/lib/dpkg/status')) });

  it.each(['valid.txtar.d', 'digest.txtar.d', 'md5sums.txtar.d', 'only-apt.txtar.d', 'third-party.txtar.d'])('%s parses without warnings', (name) => {
    const result = read(name);
    expect(result.packages.length).toBeGreaterThan(0);
    expect(result.warnings).toBeUndefined();
  });

  it('valid: every installed stanza, none of the config-files one', () => {
    // 91 stanzas: 90 "install ok installed", 1 "deinstall ok config-files".
    expect(read('valid.txtar.d').packages).toHaveLength(90);
  });

  it('third-party: epochs and tildes survive', () => {
    expect(ids(read('third-party.txtar.d'))).toEqual(['docker-ce@5:20.10.7~3-0~debian-buster', 'apt@1.6.3ubuntu0.1']);
  });

  it('corrupsed: keeps the good stanzas and warns about the broken ones', () => {
    const result = read('corrupsed.txtar.d');
    expect(ids(result)).toEqual([
      'libpam-runtime@1.1.8-3.1ubuntu3',
      'libpam-modules-bin@1.1.8-3.1ubuntu3',
      'makedev@2.3.1-93ubuntu1',
      'libgcc1@1:5.1.1-12ubuntu1',
    ]);
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings?.[0]).toMatch(/brokenPackageWithNoVersionThatShouldGetThrownOut/);
    expect(result.warnings?.[1]).toMatch(/invalidpkg/);
  });

  it('corrupsed: "Source: name (version)" gives source name and version', () => {
    const libgcc = read('corrupsed.txtar.d').packages.find((p) => p.name === 'libgcc1');
    expect(libgcc).toMatchObject({ sourceName: 'gcc-5', sourceVersion: '5.1.1-12ubuntu1', arch: 'amd64' });
  });
});

describe('dpkg: parsing rules', () => {
  const extract = (text: string, path = 'var/lib/dpkg/status'): ExtractResult => dpkgExtractor.extract({ path, contents: encode(text) });

  it('parseSourceField', () => {
    expect(parseSourceField('gcc-5 (5.1.1-12ubuntu1)')).toEqual({ name: 'gcc-5', version: '5.1.1-12ubuntu1' });
    expect(parseSourceField('pam')).toEqual({ name: 'pam' });
    expect(parseSourceField(' glibc  (2.36-9+deb12u4) ')).toEqual({ name: 'glibc', version: '2.36-9+deb12u4' });
    expect(parseSourceField('a b')).toBeUndefined();
    expect(parseSourceField('x (1.0')).toBeUndefined();
    expect(parseSourceField('')).toBeUndefined();
  });

  it('an unreadable Source keeps the package and warns', () => {
    const result = extract('Package: a\nStatus: install ok installed\nVersion: 1.0\nSource: x (1.0\n');
    expect(ids(result)).toEqual(['a@1.0']);
    expect(result.packages[0]?.sourceName).toBeUndefined();
    expect(result.warnings?.[0]).toMatch(/unreadable Source/);
  });

  it('handles CRLF, continuation lines, case-insensitive field names and whitespace-only separators', () => {
    const text = 'package: a\r\nSTATUS: hold ok installed\r\nDescription: x\r\n more\r\n .\r\nVersion: 1.0-1\r\n \t\r\nPackage: b\r\nStatus: install ok installed\r\nVersion: 2\r\n';
    expect(ids(extract(text))).toEqual(['a@1.0-1', 'b@2']);
  });

  it('a malformed stanza among good ones is a warning, not an error', () => {
    const result = extract('Package: a\nStatus: install ok installed\nVersion: 1\n\nthis line has no colon\nVersion: 2\n\n Package: c\n\nPackage: d\nStatus: install ok installed\nVersion: 4\n');
    expect(ids(result)).toEqual(['a@1', 'd@4']);
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings?.[0]).toBe('var/lib/dpkg/status: line 5: expected "Field: value"; stanza skipped');
    expect(result.warnings?.[1]).toMatch(/continuation line before any field/);
  });

  it('a duplicated field makes the stanza malformed', () => {
    const result = extract('Package: a\nVersion: 1\nVersion: 2\nStatus: install ok installed\n\nPackage: b\nVersion: 1\nStatus: install ok installed\n');
    expect(ids(result)).toEqual(['b@1']);
    expect(result.warnings?.[0]).toMatch(/duplicate field "Version"/);
  });

  it('a malformed Status is a warning', () => {
    const result = extract('Package: a\nStatus: installed\nVersion: 1\n');
    expect(result.packages).toEqual([]);
    expect(result.warnings?.[0]).toMatch(/malformed Status/);
  });

  it('only the "installed" state counts, whatever the wanted action', () => {
    const states = ['installed', 'half-installed', 'half-configured', 'unpacked', 'triggers-awaited', 'triggers-pending', 'config-files', 'not-installed'];
    const text = states.map((state, i) => `Package: p${i}\nStatus: install ok ${state}\nVersion: 1\n`).join('\n');
    expect(ids(extract(text))).toEqual(['p0@1']);
  });

  it('whitespace-only input is an empty database, not an error', () => {
    expect(extract('\n\n  \n')).toEqual({ packages: [] });
  });

  it('caps the number of warnings for a mostly-junk file', () => {
    const junk = Array.from({ length: 100 }, (_, i) => `junk ${i}`).join('\n\n');
    const result = extract(`${junk}\n\nPackage: a\nStatus: install ok installed\nVersion: 1\n`);
    expect(ids(result)).toEqual(['a@1']);
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings?.at(-1)).toMatch(/and 80 more/);
  });

  it('fileRequired', () => {
    expect(isDpkgDatabase('var/lib/dpkg/status')).toBe(true);
    expect(isDpkgDatabase('var/lib/dpkg/status.d/base-files')).toBe(true);
    expect(isDpkgDatabase('var/lib/dpkg/status-old')).toBe(false);
    expect(isDpkgDatabase('var/lib/dpkg/status.d/')).toBe(false);
    expect(isDpkgDatabase('var/lib/dpkg/status.d/sub/file')).toBe(false);
    expect(isDpkgDatabase('var/lib/dpkg/available')).toBe(false);
    expect(isDpkgDatabase('usr/var/lib/dpkg/status')).toBe(false);
    expect(isDpkgDatabase('/var/lib/dpkg/status')).toBe(false);
  });
});
