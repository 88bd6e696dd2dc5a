import { describe, expect, it } from 'vitest';
import { expectFixtureCase, expectStellaRejection, fixtureExtract, ids, peerFixtures, textExtract } from '../fixtures.test-helper.js';
import { isUvLockfile, uvLockfileExtractor } from './uv.js';

const extractFixture = fixtureExtract(uvLockfileExtractor, peerFixtures('uv-lock'), 'app/uv.lock');
const extractText = textExtract(uvLockfileExtractor, 'uv.lock');

describe('uv-lockfile: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, count, the name@version EXPECTED.md lists first]. The peer compares sorted lists; we check membership.
  const cases: Array<[string, number, string[]]> = [
    ['empty.lock', 0, []],
    ['one-package.lock', 1, ['emoji@2.14.0']],
    ['two-packages.lock', 2, ['emoji@2.14.0', 'protobuf@4.25.5']],
    ['source-git.lock', 1, ['ruff@0.8.1']],
    ['grouped-packages.lock', 14, ['click@8.1.7', 'black@24.10.0', 'flake8@7.1.1']],
    ['names-outside-package-block.lock', 2, ['first-pkg@1.0.0', 'second-pkg@2.0.0']],
    // Not in EXPECTED.md, staged beside the others: only the project itself, and no packages at all.
    ['no-dependencies.lock', 0, []],
    ['no-packages.lock', 0, []],
  ];

  it.each(cases)('%s: %i packages', async (fixture, count, expected) => {
    expectFixtureCase(await extractFixture(fixture), count, expected, { type: 'pypi', evidence: 'lockfile', sourceFile: 'app/uv.lock' }, 'only');
  });

  it('the project itself (virtual source ".") is not a dependency', async () => {
    expect(ids(await extractFixture('grouped-packages.lock'))).not.toContain('uv-lockfiles@0.1.0');
  });

  it('not-toml.txt: throws a StellaError naming the file', async () => {
    expect((await expectStellaRejection(extractFixture('not-toml.txt'), 'JSON_INVALID')).message).toMatch(/^app\/uv\.lock: not valid TOML \([^\n]+\)$/);
  });
});

describe('uv-lockfile: workspaces and damage', () => {
  it('an editable root is skipped, other members are kept, a dynamic-version member is skipped quietly', async () => {
    const text = [
      'version = 1',
      '[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }',
      '[[package]]\nname = "lib"\nversion = "0.2.0"\nsource = { editable = "packages/lib" }',
      '[[package]]\nname = "tool"\nsource = { editable = "packages/tool" }',
      '[[package]]\nname = "idna"\nversion = "3.7"\nsource = { registry = "https://pypi.org/simple" }',
    ].join('\n');
    const result = await extractText(text);
    expect(ids(result)).toEqual(['lib@0.2.0', 'idna@3.7']);
    expect(result.warnings).toBeUndefined();
  });

  it('a registry package without a version is a warning; the rest is read', async () => {
    const result = await extractText('[[package]]\nname = "a"\nsource = { registry = "https://pypi.org/simple" }\n\n[[package]]\nname = "b"\nversion = "2"\n');
    expect(ids(result)).toEqual(['b@2']);
    expect(result.warnings).toEqual(['uv.lock: package[0] ("a") has no version; skipped']);
  });
});

describe('uv-lockfile: which files', () => {
  it.each([
    ['uv.lock', true],
    ['app/uv.lock', true],
    ['app/uv.lock.bak', false],
    ['app/my-uv.lock', false],
    ['venv/lib/python3.12/site-packages/x/uv.lock', false],
  ])('%s → %s', (path, wanted) => {
    expect(isUvLockfile(path)).toBe(wanted);
  });
});
