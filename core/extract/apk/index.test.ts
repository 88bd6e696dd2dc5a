import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExtractResult } from '../extractor.js';
import { sharedData } from '../../../test/helpers/paths.js';
import { expectStellaError, fixtureExtract, ids, peerFixtures, registered, textExtract, thrownBy } from '../fixtures.test-helper.js';
import { APK_MAX_FILE_SIZE, apkExtractor, isApkDatabase } from './index.js';

const DB = 'lib/apk/db/installed';
const trivyFile = join(sharedData, 'fixtures', 'apk', 'trivy', 'apk');

function extract(contents: Uint8Array, path = DB): ExtractResult {
  return apkExtractor.extract({ path, contents });
}

const extractFixture = fixtureExtract(apkExtractor, peerFixtures('apk'), DB);
const extractText = textExtract(apkExtractor, DB);

describe('apk: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, expected name@version in the peer's listing]; the peer's OS-release variants of "single" share one file.
  const cases: Array<[string, string[]]> = [
    ['no-origin', ['pkgname@1.2.3']],
    ['empty', []],
    ['single', ['alpine-baselayout-data@3.4.3-r1']],
    ['different-arch', ['alpine-baselayout-data@3.4.3-r1']],
  ];

  it.each(cases)('%s', (fixture, expected) => {
    const result = extractFixture(fixture);
    expect(ids(result)).toEqual(expected);
    expect(result.warnings).toBeUndefined();
    for (const pkg of result.packages) expect(pkg).toMatchObject({ type: 'apk', evidence: 'package-db', sourceFile: DB });
  });

  it('invalid: junk with no valid record throws a StellaError naming the file', () => {
    expect(expectStellaError(() => extractFixture('invalid'), 'IMAGE_INVALID').message).toMatch(/^lib\/apk\/db\/installed: not an apk installed database .*line 1: expected "X:value"/);
  });

  it('single: architecture and origin', () => {
    const [pkg] = extractFixture('single').packages;
    expect(pkg).toEqual({
      type: 'apk',
      name: 'alpine-baselayout-data',
      version: '3.4.3-r1',
      arch: 'x86_64',
      sourceName: 'alpine-baselayout',
      sourceFile: DB,
      evidence: 'package-db',
    });
  });

  it('different-arch: the recorded architecture is reported as is', () => {
    expect(extractFixture('different-arch').packages[0]?.arch).toBe('noarch');
  });

  it('no-origin: no source package', () => {
    const [pkg] = extractFixture('no-origin').packages;
    expect(pkg).toMatchObject({ name: 'pkgname', arch: 'x86_64' });
    expect(pkg?.sourceName).toBeUndefined();
  });
});

describe('apk: trivy fixture', () => {
  const result = extract(readFileSync(trivyFile));

  it('reads the 15 complete records and warns about the one without a version', () => {
    expect(ids(result)).toEqual([
      'musl@1.1.14-r10',
      'busybox@1.24.2-r9',
      'alpine-baselayout@3.0.3-r0',
      'alpine-keys@1.1-r0',
      'zlib@1.2.8-r2',
      'libcrypto1.0@1.0.2h-r1',
      'libssl1.0@1.0.2h-r1',
      'apk-tools@2.6.7-r0',
      'scanelf@1.1.6-r0',
      'musl-utils@1.1.14-r10',
      'libc-utils@0.7-r0',
      'pkgconf@1.6.0-r0',
      'sqlite-libs@3.26.0-r3',
      'test@2.9.11_pre20061021-r2',
      'ada-libs@2.7.4-r0',
    ]);
    expect(result.warnings).toEqual([`${DB}: record at line 23: invalidPackageWithoutAVersion: no V (version) field; skipped`]);
  });

  it('sourceName is the origin only where it differs from the name', () => {
    const source = Object.fromEntries(result.packages.map((p) => [p.name, p.sourceName]));
    expect(source).toMatchObject({ musl: undefined, 'libcrypto1.0': 'openssl', 'libssl1.0': 'openssl', scanelf: 'pax-utils', 'musl-utils': 'musl', 'libc-utils': 'libc-dev', test: 'test-parent' });
    expect(result.packages.every((p) => p.arch === 'x86_64' && p.sourceVersion === undefined)).toBe(true);
  });
});

describe('apk: parsing rules', () => {
  it('handles CRLF, missing trailing newline and whitespace-only separators', () => {
    expect(ids(extractText('P:a\r\nV:1.0-r0\r\n \t\r\nP:b\r\nV:2-r1'))).toEqual(['a@1.0-r0', 'b@2-r1']);
  });

  it('ignores the repeated file fields and unknown letters', () => {
    const text = 'C:Q1abc=\nP:a\nV:1-r0\nF:etc\nR:x\nZ:Q1x=\nR:y\nZ:Q1y=\nk:100\nq:1\n';
    expect(extractText(text)).toEqual({ packages: [{ type: 'apk', name: 'a', version: '1-r0', sourceFile: DB, evidence: 'package-db' }] });
  });

  it('a malformed record among good ones is a warning, not an error', () => {
    const result = extractText('P:a\nV:1-r0\n\nthis is not a field\nP:b\nV:2-r0\n\nPkg:c\n\nP:d\nV:4-r0\n');
    expect(ids(result)).toEqual(['a@1-r0', 'd@4-r0']);
    expect(result.warnings).toEqual([
      `${DB}: line 4: expected "X:value" with a one-letter field; record skipped`,
      `${DB}: line 8: expected "X:value" with a one-letter field; record skipped`,
    ]);
  });

  it('a repeated P, V, A or o makes the record malformed', () => {
    const result = extractText('P:a\nV:1-r0\nV:2-r0\n\nP:b\nV:1-r0\nA:x86_64\nA:aarch64\n\nP:c\nV:1-r0\n');
    expect(ids(result)).toEqual(['c@1-r0']);
    expect(result.warnings?.[0]).toMatch(/line 3: duplicate field "V"/);
    expect(result.warnings?.[1]).toMatch(/line 8: duplicate field "A"/);
  });

  it('no name, an invalid version, a garbled architecture and origin', () => {
    const result = extractText('V:1-r0\n\nP:a\nV:1 r0\n\nP:b\nV:$(x)\n\nP:c\nV:1-r0\no:bad origin\nA:x86\u000164\n');
    expect(ids(result)).toEqual(['c@1-r0']);
    expect(result.packages[0]?.sourceName).toBeUndefined();
    expect(result.packages[0]?.arch).toBeUndefined();
    expect(result.warnings).toEqual([
      `${DB}: record at line 1: no valid P (name) field; skipped`,
      `${DB}: record at line 3: a: invalid version "1 r0"; skipped`,
      `${DB}: record at line 6: b: invalid version "$(x)"; skipped`,
      `${DB}: record at line 9: c: unreadable architecture "x86\\u000164"; unreadable origin "bad origin"; source package unknown`,
    ]);
  });

  it('empty and whitespace-only files are an empty database, not an error', () => {
    expect(extractText('')).toEqual({ packages: [] });
    expect(extractText('\n\n  \n')).toEqual({ packages: [] });
  });

  it('caps the number of warnings for a mostly-junk file', () => {
    const junk = Array.from({ length: 100 }, (_, i) => `junk ${i}`).join('\n\n');
    const result = extractText(`${junk}\n\nP:a\nV:1-r0\n`);
    expect(ids(result)).toEqual(['a@1-r0']);
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings?.at(-1)).toBe(`${DB}: … and 80 more warnings`);
  });

  it('refuses a file over the limit without reading it', () => {
    expect(thrownBy(() => registered('apk').extract({ path: DB, contents: new Uint8Array(APK_MAX_FILE_SIZE + 1) }))).toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('fileRequired', () => {
    expect(isApkDatabase('lib/apk/db/installed')).toBe(true);
    expect(isApkDatabase('usr/lib/apk/db/installed')).toBe(true);
    expect(isApkDatabase('/lib/apk/db/installed')).toBe(false);
    expect(isApkDatabase('lib/apk/db/installed.new')).toBe(false);
    expect(isApkDatabase('lib/apk/db/scripts.tar')).toBe(false);
    expect(isApkDatabase('var/lib/apk/db/installed')).toBe(false);
    expect(apkExtractor.fileRequired).toBe(isApkDatabase);
  });
});
