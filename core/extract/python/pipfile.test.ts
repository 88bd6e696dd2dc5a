import { describe, expect, it } from 'vitest';
import { expectFixtureCase, expectStellaError, fixtureExtract, ids, jsonExtract, peerFixtures, thrownBy } from '../fixtures.test-helper.js';
import { isPipfileLock, pipfileLockExtractor } from './pipfile.js';

const extractFixture = fixtureExtract(pipfileLockExtractor, peerFixtures('pipfile-lock'), 'app/Pipfile.lock');
const extractJson = jsonExtract(pipfileLockExtractor, 'Pipfile.lock');

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
    expectFixtureCase(extractFixture(fixture), count, expected, { type: 'pypi', evidence: 'lockfile', sourceFile: 'app/Pipfile.lock' });
  });

  it('not-json.txt: throws a StellaError naming the file', () => {
    expect(expectStellaError(() => extractFixture('not-json.txt'), 'JSON_INVALID').message).toMatch(/^app\/Pipfile\.lock: not valid JSON \(/);
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
