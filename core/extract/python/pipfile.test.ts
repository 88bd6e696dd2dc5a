import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/helpers/paths.js';
import { isStellaError } from '../../errors.js';
import type { ExtractResult } from '../extractor.js';
import { isPipfileLock, pipfileLockExtractor } from './pipfile.js';

const peerDir = join(sharedData, 'fixtures', 'pipfile-lock', 'osv-scalibr');
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

function extractFixture(fixture: string, path = 'app/Pipfile.lock'): ExtractResult {
  return pipfileLockExtractor.extract({ path, contents: readFileSync(join(peerDir, fixture)) });
}

function extractJson(doc: unknown, path = 'Pipfile.lock'): ExtractResult {
  return pipfileLockExtractor.extract({ path, contents: encode(JSON.stringify(doc)) });
}

const ids = (result: ExtractResult): string[] => result.packages.map((p) => `${p.name}@${p.version}`);

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('pipfile-lockfile: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, count, the name@version EXPECTED.md lists first]. The peer compares sorted lists; we check membership.
  const cases: Array<[string, number, string[]]> = [
    ['empty.json', 0, []],
    ['empty-file', 0, []],
    ['one-package.json', 1, ['markupsafe@2.1.1']],
    ['minified.json', 1, ['markupsafe@2.1.1']],
    ['one-package-dev.json', 1, ['markupsafe@2.1.1']],
    ['two-packages.json', 2, ['itsdangerous@2.1.2', 'markupsafe@2.1.1']],
    ['two-packages-alt.json', 2, ['itsdangerous@2.1.2', 'markupsafe@2.1.1']],
    ['multiple-packages.json', 4, ['itsdangerous@2.1.2', 'pluggy@1.0.1', 'pluggy@1.0.0']],
    ['no-version.json', 0, []],
  ];

  it.each(cases)('%s: %i packages', (fixture, count, expected) => {
    const result = extractFixture(fixture);
    expect(result.packages).toHaveLength(count);
    expect(ids(result)).toEqual(expect.arrayContaining(expected));
    expect(result.warnings).toBeUndefined();
    for (const pkg of result.packages) expect(pkg).toMatchObject({ type: 'pypi', evidence: 'lockfile', sourceFile: 'app/Pipfile.lock' });
  });

  it('not-json.txt: throws a StellaError naming the file', () => {
    const error = thrownBy(() => extractFixture('not-json.txt'));
    expect(isStellaError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'JSON_INVALID' });
    expect((error as Error).message).toMatch(/^app\/Pipfile\.lock: not valid JSON \(/);
  });
});

describe('pipfile-lockfile: sections', () => {
  it('develop-only packages are dev; one in both sections is not', () => {
    const result = extractFixture('multiple-packages.json');
    const dev = Object.fromEntries(result.packages.map((p) => [`${p.name}@${p.version}`, p.dev === true]));
    expect(dev).toEqual({ 'itsdangerous@2.1.2': false, 'pluggy@1.0.1': false, 'markupsafe@2.1.1': false, 'pluggy@1.0.0': true });
    expect(extractFixture('one-package-dev.json').packages[0]?.dev).toBe(true);
  });

  it('only == pins are versions; git and editable entries are skipped quietly', () => {
    const result = extractJson({
      default: { a: { version: '==1.0' }, b: { version: '===2.0' }, c: { version: '>=3' }, d: { git: 'https://example.invalid/d.git', ref: 'abc' }, e: { version: '*' } },
      develop: {},
    });
    expect(ids(result)).toEqual(['a@1.0', 'b@2.0']);
    expect(result.warnings).toBeUndefined();
  });

  it('malformed sections and entries are warnings; the rest is read', () => {
    const result = extractJson({ default: { a: 'oops', b: { version: '==1.0' } }, develop: [] });
    expect(ids(result)).toEqual(['b@1.0']);
    expect(result.warnings).toEqual(['Pipfile.lock: default["a"] is not a package entry; skipped', 'Pipfile.lock: "develop" is not an object; skipped']);
  });

  it.each([
    ['an array', [], 'Pipfile.lock: expected a JSON object, found an array'],
    ['null', null, 'Pipfile.lock: expected a JSON object, found null'],
  ])('a document that is %s throws JSON_INVALID', (_label, doc, message) => {
    expect(thrownBy(() => extractJson(doc))).toMatchObject({ code: 'JSON_INVALID', message });
  });
});

describe('pipfile-lockfile: which files', () => {
  it.each([
    ['Pipfile.lock', true],
    ['app/Pipfile.lock', true],
    ['app/Pipfile', false],
    ['app/pipfile.lock', false],
    ['usr/local/lib/python3.12/site-packages/x/Pipfile.lock', false],
  ])('%s → %s', (path, wanted) => {
    expect(isPipfileLock(path)).toBe(wanted);
  });
});
