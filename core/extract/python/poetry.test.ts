import { describe, expect, it } from 'vitest';
import { expectFixtureCase, expectStellaRejection, fixtureExtract, ids, peerFixtures, textExtract } from '../fixtures.test-helper.js';
import { isPoetryLockfile, poetryLockfileExtractor } from './poetry.js';

const extractFixture = fixtureExtract(poetryLockfileExtractor, peerFixtures('poetry-lock'), 'app/poetry.lock');
const extractText = textExtract(poetryLockfileExtractor, 'poetry.lock');

describe('poetry-lockfile: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, count, the name@version EXPECTED.md lists first]. The peer compares sorted lists; we check membership.
  const cases: Array<[string, number, string[]]> = [
    ['empty-file.lock', 0, []],
    ['empty.lock', 0, []],
    ['one-package.lock', 1, ['numpy@1.23.3']],
    ['two-packages.lock', 2, ['proto-plus@1.22.0', 'protobuf@4.21.5']],
    ['one-package-with-metadata.lock', 1, ['emoji@2.0.0']],
    ['source-git.lock', 1, ['ike@0.2.0']],
    ['source-legacy.lock', 1, ['appdirs@1.4.4']],
    ['optional-package.lock', 1, ['numpy@1.23.3']],
    ['names-outside-package-block.lock', 2, ['first-pkg@1.0.0', 'second-pkg@2.0.0']],
  ];

  it.each(cases)('%s: %i packages', async (fixture, count, expected) => {
    expectFixtureCase(await extractFixture(fixture), count, expected, { type: 'pypi', evidence: 'lockfile', sourceFile: 'app/poetry.lock' });
  });

  it('names-outside-package-block.lock: only the [[package]] tables name packages', async () => {
    expect(ids(await extractFixture('names-outside-package-block.lock'))).toEqual(['first-pkg@1.0.0', 'second-pkg@2.0.0']);
  });

  it('not-toml.txt: throws a StellaError naming the file', async () => {
    expect((await expectStellaRejection(extractFixture('not-toml.txt'), 'JSON_INVALID')).message).toMatch(/^app\/poetry\.lock: not valid TOML \([^\n]+\)$/);
  });
});

describe('poetry-lockfile: groups and damage', () => {
  it('optional = true is optional; category = "dev" (Poetry 1) and groups without main (Poetry 2) are dev', async () => {
    expect((await extractFixture('optional-package.lock')).packages[0]).toMatchObject({ optional: true });
    expect((await extractFixture('one-package.lock')).packages[0]?.optional).toBeUndefined();
    const text = [
      '[[package]]\nname = "pytest"\nversion = "8.0.0"\ncategory = "dev"\n',
      '[[package]]\nname = "ruff"\nversion = "0.4.0"\ngroups = ["lint"]\n',
      '[[package]]\nname = "idna"\nversion = "3.7"\ngroups = ["main", "dev"]\n',
      '[[package]]\nname = "six"\nversion = "1.16.0"\ncategory = "main"\n',
    ].join('\n');
    const result = await extractText(text);
    expect(result.packages.map((p) => [p.name, p.dev === true])).toEqual([
      ['pytest', true],
      ['ruff', true],
      ['idna', false],
      ['six', false],
    ]);
  });

  it('a package without a name or version is a warning; the rest is read', async () => {
    const result = await extractText('[[package]]\nname = "a"\n\n[[package]]\nversion = "1"\n\n[[package]]\nname = "b"\nversion = "2.0"\n');
    expect(ids(result)).toEqual(['b@2.0']);
    expect(result.warnings).toEqual(['poetry.lock: package[0] has no version; skipped', 'poetry.lock: package[1] has no name; skipped']);
  });

  it('a "package" key that is not an array of tables is a warning', async () => {
    expect((await extractText('package = "x"\n')).warnings).toEqual(['poetry.lock: "package" is not an array of tables; nothing read']);
  });
});

describe('poetry-lockfile: which files', () => {
  it.each([
    ['poetry.lock', true],
    ['app/poetry.lock', true],
    ['app/Poetry.lock', false],
    ['app/poetry.lock.bak', false],
    ['venv/lib/python3.12/site-packages/x/poetry.lock', false],
    ['node_modules/x/poetry.lock', false],
  ])('%s → %s', (path, wanted) => {
    expect(isPoetryLockfile(path)).toBe(wanted);
  });
});
