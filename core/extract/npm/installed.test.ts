import { describe, expect, it } from 'vitest';
import { encode, expectStellaError } from '../fixtures.test-helper.js';
import { isInstalledPackageJson, npmInstalledExtractor } from './installed.js';

const extract = (path: string, text: string) => npmInstalledExtractor.extract({ path, contents: encode(text) });

describe('npm-installed: which files', () => {
  it.each([
    ['node_modules/express/package.json', true],
    ['app/node_modules/express/package.json', true],
    ['app/node_modules/@babel/core/package.json', true],
    ['app/node_modules/a/node_modules/b/package.json', true],
    ['app/node_modules/a/node_modules/@s/b/package.json', true],
    ['app/node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/package.json', true],
    ['app/package.json', false],
    ['package.json', false],
    ['app/node_modules/a/lib/package.json', false],
    ['app/node_modules/@s/b/dist/esm/package.json', false],
    ['app/node_modules/@babel/package.json', false],
    ['app/node_modules/package.json', false],
    ['app/node_modules/.bin/package.json', false],
    ['app/node_modules/express/package.json.bak', false],
    ['app/node_modules/express/other.json', false],
    ['app/my_node_modules/express/package.json', false],
  ])('%s → %s', (path, wanted) => {
    expect(isInstalledPackageJson(path)).toBe(wanted);
  });
});

describe('npm-installed: extract', () => {
  it('reads name and version; installPath is the package folder', () => {
    expect(extract('app/node_modules/express/package.json', '{"name":"express","version":"4.19.2","main":"index.js"}')).toEqual({
      packages: [
        {
          type: 'npm',
          name: 'express',
          version: '4.19.2',
          sourceFile: 'app/node_modules/express/package.json',
          installPath: 'app/node_modules/express',
          evidence: 'installed',
        },
      ],
    });
  });

  it('scoped and nested packages', () => {
    const scoped = extract('app/node_modules/@babel/core/package.json', '{"name":"@babel/core","version":"7.24.0"}');
    expect(scoped.packages[0]).toMatchObject({ name: '@babel/core', installPath: 'app/node_modules/@babel/core' });
    const nested = extract('app/node_modules/a/node_modules/b/package.json', '{"name":"b","version":"1.0.0"}');
    expect(nested.packages[0]).toMatchObject({ name: 'b', installPath: 'app/node_modules/a/node_modules/b' });
  });

  it('an alias folder reports the real package name', () => {
    const result = extract('node_modules/string-width-cjs/package.json', '{"name":"string-width","version":"4.2.3"}');
    expect(result.packages[0]).toMatchObject({ name: 'string-width', version: '4.2.3', installPath: 'node_modules/string-width-cjs' });
  });

  it('reads a UTF-8 BOM-prefixed file', () => {
    const result = extract('node_modules/x/package.json', '\uFEFF{"name":"x","version":"1.0.0"}');
    expect(result.packages[0]?.name).toBe('x');
  });

  it('without name or version: no package, a warning naming the file', () => {
    for (const text of ['{"name":"x"}', '{"version":"1.0.0"}', '{"name":"","version":"1.0.0"}', '{"name":"x","version":1}']) {
      const result = extract('node_modules/x/package.json', text);
      expect(result.packages).toEqual([]);
      expect(result.warnings).toEqual(['node_modules/x/package.json: package.json without "name" and "version"; not reported']);
    }
  });

  it.each([
    ['not JSON', '{"name": "x", '],
    ['JSON but not an object', '["x", "1.0.0"]'],
    ['null', 'null'],
  ])('malformed (%s) throws JSON_INVALID naming the file', (_label, text) => {
    expect(expectStellaError(() => extract('app/node_modules/x/package.json', text), 'JSON_INVALID').message).toMatch(/^app\/node_modules\/x\/package\.json: /);
  });
});
