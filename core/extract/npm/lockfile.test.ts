import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExtractResult } from '../extractor.js';
import { encode, expectFixtureCase, expectStellaError, fixtureExtract, ids, jsonExtract, peerFixtures, thrownBy } from '../fixtures.test-helper.js';
import { isNpmLockfile, lockfileShadowedBy, npmLockfileExtractor } from './lockfile.js';

const peerDir = peerFixtures('npm-package-lock');
const extractFixture = fixtureExtract(npmLockfileExtractor, peerDir, 'app/package-lock.json');
const extractJson = jsonExtract(npmLockfileExtractor, 'package-lock.json');

describe('npm-lockfile: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, count, the name@version EXPECTED.md lists first; '' version = "(no version)"].
  // The peer compares sorted lists, so the listed order is not significant; we check membership.
  const cases: Array<[string, number, string[]]> = [
    ['empty.v1.json', 0, []],
    ['one-package.v1.json', 1, ['wrappy@1.0.2']],
    ['one-package-dev.v1.json', 1, ['wrappy@1.0.2']],
    ['two-packages.v1.json', 2, ['wrappy@1.0.2', 'supports-color@5.5.0']],
    ['scoped-packages.v1.json', 2, ['wrappy@1.0.2', '@babel/code-frame@7.0.0']],
    ['nested-dependencies.v1.json', 5, ['postcss@6.0.23', 'postcss@7.0.16', 'postcss-calc@7.0.1']],
    ['nested-dependencies-dup.v1.json', 39, ['supports-color@2.0.0', 'postcss-normalize-display-values@4.0.2', 'postcss-normalize-timing-functions@4.0.2']],
    ['commits.v1.json', 15, ['@segment/analytics.js-integration-facebook-pixel@', 'ansi-styles@1.0.0', 'babel-preset-php@']],
    ['files.v1.json', 2, ['lodash@1.3.1', 'other_package@']],
    ['alias.v1.json', 3, ['@babel/code-frame@7.0.0', 'string-width@4.2.0', 'string-width@5.1.2']],
    ['optional-package.v1.json', 2, ['wrappy@1.0.2', 'supports-color@5.5.0']],
    ['same-package-different-groups.v1.json', 3, ['eslint@1.2.3', 'table@1.0.0', 'ajv@5.5.2']],
    ['empty.v2.json', 0, []],
    ['one-package.v2.json', 1, ['wrappy@1.0.2']],
    ['one-package-dev.v2.json', 1, ['wrappy@1.0.2']],
    ['two-packages.v2.json', 2, ['wrappy@1.0.2', 'supports-color@5.5.0']],
    ['scoped-packages.v2.json', 2, ['wrappy@1.0.2', '@babel/code-frame@7.0.0']],
    ['nested-dependencies.v2.json', 5, ['postcss@6.0.23', 'postcss@7.0.16', 'postcss-calc@7.0.1']],
    ['nested-dependencies-dup.v2.json', 2, ['supports-color@6.1.0', 'supports-color@2.0.0']],
    ['commits.v2.json', 14, ['@segment/analytics.js-integration-facebook-pixel@2.4.1', 'ansi-styles@1.0.0', 'babel-preset-php@1.1.1']],
    ['files.v2.json', 3, ['etag@1.8.0', 'abbrev@1.0.9', 'abbrev@2.3.4']],
    ['alias.v2.json', 3, ['@babel/code-frame@7.0.0', 'string-width@4.2.0', 'string-width@5.1.2']],
    ['optional-package.v2.json', 2, ['wrappy@1.0.2', 'supports-color@5.5.0']],
    ['same-package-different-groups.v2.json', 3, ['eslint@1.2.3', 'table@1.0.0', 'ajv@5.5.2']],
    ['bundled-dependencies.v3.json', 3, ['ansi-regex@6.2.2', 'semver@7.7.2', 'strip-ansi@7.1.2']],
    ['package-lock-only/package-lock.json', 2, ['wrappy@1.0.2', 'supports-color@5.5.0']],
    ['npm-shrinkwrap-only/npm-shrinkwrap.json', 2, ['wrappy@1.0.2', 'supports-color@5.5.0']],
  ];

  it.each(cases)('%s: %i packages', (fixture, count, expected) => {
    expectFixtureCase(extractFixture(fixture), count, expected, { type: 'npm', evidence: 'lockfile', sourceFile: 'app/package-lock.json' });
  });

  it.each(['not-json.txt', 'null.v2.jsontest'])('%s: throws JSON_INVALID naming the file', (fixture) => {
    expect(expectStellaError(() => extractFixture(fixture), 'JSON_INVALID').message).toMatch(/^app\/package-lock\.json: /);
  });

  it('both/: the shrinkwrap shadows the package-lock.json in the same folder', () => {
    // What a caller does: drop lockfiles whose shadowing file is present, then extract the rest.
    const files = new Map<string, Uint8Array>([
      ['both/package-lock.json', readFileSync(join(peerDir, 'both/package-lock.json'))],
      ['both/npm-shrinkwrap.json', readFileSync(join(peerDir, 'both/npm-shrinkwrap.json'))],
    ]);
    const perFile = new Map<string, string[]>();
    for (const [path, contents] of files) {
      const shadow = lockfileShadowedBy(path);
      perFile.set(path, shadow !== undefined && files.has(shadow) ? [] : ids(npmLockfileExtractor.extract({ path, contents })));
    }
    expect(perFile.get('both/package-lock.json')).toEqual([]);
    expect(perFile.get('both/npm-shrinkwrap.json')).toEqual(['wrappy@1.0.2', 'supports-color@5.5.0']);
  });
});

describe('npm-lockfile: fields', () => {
  const byId = (result: ExtractResult, id: string) => result.packages.find((p) => `${p.name}@${p.version}` === id);

  it('installPath is the project folder plus the key (v2) or the nesting (v1)', () => {
    const v2 = extractFixture('nested-dependencies.v2.json');
    expect(byId(v2, 'postcss@6.0.23')?.installPath).toBe('app/node_modules/postcss');
    expect(byId(v2, 'postcss@7.0.16')?.installPath).toBe('app/node_modules/postcss-calc/node_modules/postcss');
    const v1 = extractFixture('nested-dependencies.v1.json', 'package-lock.json');
    expect(byId(v1, 'postcss@6.0.23')?.installPath).toBe('node_modules/postcss');
    expect(byId(v1, 'postcss@7.0.16')?.installPath).toBe('node_modules/postcss-calc/node_modules/postcss');
  });

  it('aliases report the real package, installed under the alias folder', () => {
    for (const fixture of ['alias.v1.json', 'alias.v2.json']) {
      const pkg = byId(extractFixture(fixture), 'string-width@4.2.0');
      expect(pkg?.installPath).toBe('app/node_modules/string-width-cjs');
    }
  });

  it('dev and optional flags follow the lockfile (devOptional counts as both, as for the peer)', () => {
    const v1 = extractFixture('optional-package.v1.json');
    expect(byId(v1, 'wrappy@1.0.2')).toMatchObject({ dev: true, optional: true });
    expect(byId(v1, 'supports-color@5.5.0')).toMatchObject({ optional: true });
    expect(byId(v1, 'supports-color@5.5.0')?.dev).toBeUndefined();
    const v2 = extractFixture('optional-package.v2.json');
    expect(byId(v2, 'wrappy@1.0.2')?.dev).toBeUndefined();
    expect(byId(v2, 'wrappy@1.0.2')?.optional).toBe(true);
    expect(byId(v2, 'supports-color@5.5.0')).toMatchObject({ dev: true, optional: true });
    expect(extractFixture('one-package-dev.v2.json').packages[0]?.dev).toBe(true);
  });

  it('a package is dev or optional only when every occurrence is', () => {
    for (const fixture of ['same-package-different-groups.v1.json', 'same-package-different-groups.v2.json']) {
      const result = extractFixture(fixture);
      expect(byId(result, 'eslint@1.2.3')?.dev).toBe(true);
      expect(byId(result, 'table@1.0.0')?.dev).toBeUndefined();
      expect(byId(result, 'ajv@5.5.2')?.dev).toBeUndefined();
      expect(byId(result, 'ajv@5.5.2')?.optional).toBeUndefined();
    }
  });

  it('git dependencies at different commits stay separate', () => {
    const v1 = extractFixture('commits.v1.json');
    expect(v1.packages.filter((p) => p.name === 'is-number-1')).toHaveLength(2);
    const v2 = extractFixture('commits.v2.json');
    expect(v2.packages.filter((p) => p.name === 'is-number-1').map((p) => p.version)).toEqual(['3.0.0', '3.0.0']);
    expect(byId(v2, 'raven-js@')).toBeDefined();
  });

  it('v2 file dependencies are named by their folder', () => {
    const result = extractFixture('files.v2.json');
    expect(byId(result, 'etag@1.8.0')?.installPath).toBe('app/deps/etag');
    expect(byId(result, 'abbrev@2.3.4')?.installPath).toBe('app/deps/etag/node_modules/abbrev');
  });

  it('link entries are skipped in favour of their target; a target above the root has no installPath', () => {
    const result = extractJson(
      {
        lockfileVersion: 3,
        packages: {
          '': { name: 'root' },
          'node_modules/a': { resolved: 'packages/a', link: true },
          'node_modules/b': { resolved: '../b', link: true },
          'packages/a': { name: 'a', version: '1.0.0' },
          '../b': { name: 'b', version: '2.0.0' },
          'node_modules/@s/c': { version: '3.0.0' },
        },
      },
      'web/package-lock.json',
    );
    expect(result.packages.map((p) => [p.name, p.version, p.installPath])).toEqual([
      ['a', '1.0.0', 'web/packages/a'],
      ['b', '2.0.0', 'b'],
      ['@s/c', '3.0.0', 'web/node_modules/@s/c'],
    ]);
    const escaping = extractJson({ lockfileVersion: 3, packages: { '../../x': { name: 'x', version: '1.0.0' } } }, 'web/package-lock.json');
    expect(escaping.packages[0]?.installPath).toBeUndefined();
  });

  it('the hidden lockfile describes the project folder that holds node_modules', () => {
    const result = npmLockfileExtractor.extract({
      path: 'srv/app/node_modules/.package-lock.json',
      contents: readFileSync(join(peerDir, 'two-packages.v2.json')),
    });
    expect(result.packages.map((p) => p.installPath)).toEqual(['srv/app/node_modules/wrappy', 'srv/app/node_modules/supports-color']);
  });

  it('bad entries are warnings; the rest is read', () => {
    const result = extractJson({
      lockfileVersion: 2,
      packages: { '': {}, 'node_modules/a': 'oops', 'node_modules/': { version: '1' }, 'node_modules/b': { version: '2.0.0' } },
    });
    expect(ids(result)).toEqual(['b@2.0.0']);
    expect(result.warnings).toEqual([
      'package-lock.json: packages["node_modules/a"] is not an object; skipped',
      'package-lock.json: packages["node_modules/"] has no package name; skipped',
    ]);
    const v1 = extractJson({ lockfileVersion: 1, dependencies: { a: 7, b: { version: '1.0.0' } } });
    expect(ids(v1)).toEqual(['b@1.0.0']);
    expect(v1.warnings).toHaveLength(1);
  });

  it('a wrongly typed packages or dependencies member is JSON_INVALID', () => {
    expect(thrownBy(() => extractJson({ packages: [] }))).toMatchObject({ code: 'JSON_INVALID' });
    expect(thrownBy(() => extractJson({ dependencies: 'x' }))).toMatchObject({ code: 'JSON_INVALID' });
    expect(thrownBy(() => extractJson([]))).toMatchObject({ code: 'JSON_INVALID', message: 'package-lock.json: expected a JSON object, found an array' });
  });

  it('hostile v1 nesting does not overflow the stack', () => {
    // Built as text: JSON.stringify itself recurses and would overflow first.
    const depth = 20_000;
    const open = Array.from({ length: depth }, (_, i) => `{"a":{"version":"${i}.0.0","dependencies":`).join('');
    const text = `{"lockfileVersion":1,"dependencies":${open}{}${'}}'.repeat(depth)}}`;
    const result = npmLockfileExtractor.extract({ path: 'package-lock.json', contents: encode(text) });
    expect(result.packages).toHaveLength(1000);
    expect(result.warnings?.[0]).toMatch(/nested deeper than 1000 levels/);
  });
});

describe('npm-lockfile: which files', () => {
  it.each([
    ['package-lock.json', true],
    ['app/package-lock.json', true],
    ['a/b/c/npm-shrinkwrap.json', true],
    ['node_modules/.package-lock.json', true],
    ['app/node_modules/.package-lock.json', true],
    ['app/node_modules/foo/package-lock.json', false],
    ['app/node_modules/@s/foo/npm-shrinkwrap.json', false],
    ['app/node_modules/foo/node_modules/.package-lock.json', false],
    ['app/.package-lock.json', false],
    ['app/package.json', false],
    ['app/yarn.lock', false],
    ['app/my-package-lock.json', false],
  ])('%s → %s', (path, wanted) => {
    expect(isNpmLockfile(path)).toBe(wanted);
  });

  it('lockfileShadowedBy', () => {
    expect(lockfileShadowedBy('package-lock.json')).toBe('npm-shrinkwrap.json');
    expect(lockfileShadowedBy('app/package-lock.json')).toBe('app/npm-shrinkwrap.json');
    expect(lockfileShadowedBy('app/npm-shrinkwrap.json')).toBeUndefined();
    expect(lockfileShadowedBy('app/node_modules/.package-lock.json')).toBeUndefined();
    expect(lockfileShadowedBy('app/node_modules/x/package-lock.json')).toBeUndefined();
  });
});
