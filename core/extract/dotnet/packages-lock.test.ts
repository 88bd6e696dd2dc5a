import { describe, expect, it } from 'vitest';
import { expectStellaError, fixtureExtract, ids, jsonExtract, peerFixtures, thrownBy } from '../fixtures.test-helper.js';
import { isNugetLockfile, nugetLockfileExtractor } from './packages-lock.js';

const extractFixture = fixtureExtract(nugetLockfileExtractor, peerFixtures('nuget-packages-lock'), 'src/App/packages.lock.json');
const extractJson = jsonExtract(nugetLockfileExtractor, 'packages.lock.json');

describe('nuget-lockfile: fixtures/EXPECTED.md (osv-scalibr)', () => {
  it('valid/packages.lock.json: 8 packages', () => {
    const result = extractFixture('valid/packages.lock.json');
    expect(result.packages).toHaveLength(8);
    expect(ids(result)).toEqual(expect.arrayContaining(['Core.Dep@1.24.0', 'Some.Dep.One@1.1.1', 'Some.Dep.Two@4.6.0']));
    expect(result.warnings).toBeUndefined();
    for (const pkg of result.packages) expect(pkg).toEqual({ type: 'nuget', name: pkg.name, version: pkg.version, evidence: 'lockfile', sourceFile: 'src/App/packages.lock.json' });
  });

  it('invalid/invalid: throws JSON_INVALID naming the file', () => {
    expect(expectStellaError(() => extractFixture('invalid/invalid'), 'JSON_INVALID').message).toMatch(/^src\/App\/packages\.lock\.json: not valid JSON/);
  });
});

describe('nuget-lockfile: entries', () => {
  it('skips Project entries, reports CentralTransitive, merges frameworks', () => {
    const result = extractJson({
      version: 2,
      dependencies: {
        'net8.0': {
          'Newtonsoft.Json': { type: 'Direct', requested: '[13.0.3, )', resolved: '13.0.3' },
          'My.Other.Project': { type: 'Project', dependencies: { 'Newtonsoft.Json': '[13.0.3, )' } },
          'System.Text.Json': { type: 'CentralTransitive', requested: '[8.0.4, )', resolved: '8.0.4' },
        },
        'net48': {
          'Newtonsoft.Json': { type: 'Direct', requested: '[13.0.3, )', resolved: '13.0.3' },
          'Newtonsoft.Json.Bson': { type: 'Transitive', resolved: '1.0.2' },
        },
      },
    });
    expect(ids(result)).toEqual(['Newtonsoft.Json@13.0.3', 'System.Text.Json@8.0.4', 'Newtonsoft.Json.Bson@1.0.2']);
    expect(result.warnings).toBeUndefined();
  });

  it('bad entries are warnings; the rest is read', () => {
    const result = extractJson({ dependencies: { net6: 'x', net7: { A: 1, B: { type: 'Direct' }, C: { type: 'Direct', resolved: '1.0.0' } } } });
    expect(ids(result)).toEqual(['C@1.0.0']);
    expect(result.warnings).toEqual([
      'packages.lock.json: dependencies["net6"] is not an object; skipped',
      'packages.lock.json: dependencies["net7"]["A"] is not an object; skipped',
      'packages.lock.json: dependencies["net7"]["B"] has no resolved version; skipped',
    ]);
  });

  it('no dependencies is no packages; wrongly typed dependencies or document is JSON_INVALID', () => {
    expect(extractJson({ version: 1 })).toEqual({ packages: [] });
    expect(thrownBy(() => extractJson({ dependencies: [] }))).toMatchObject({ code: 'JSON_INVALID' });
    expect(thrownBy(() => extractJson(null))).toMatchObject({ code: 'JSON_INVALID', message: 'packages.lock.json: expected a JSON object, found null' });
  });
});

describe('nuget-lockfile: which files', () => {
  it.each([
    ['packages.lock.json', true],
    ['src/App/packages.lock.json', true],
    ['src/App/my-packages.lock.json', false],
    ['src/App/packages.config', false],
    ['src/App/package-lock.json', false],
  ])('%s → %s', (path, wanted) => {
    expect(isNugetLockfile(path)).toBe(wanted);
  });
});
