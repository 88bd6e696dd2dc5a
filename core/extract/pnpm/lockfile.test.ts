import { describe, expect, it } from 'vitest';
import type { ExtractResult } from '../extractor.js';
import { expectFixtureCase, expectStellaRejection, fixtureExtract, ids, peerFixtures, rejectionOf, textExtract } from '../fixtures.test-helper.js';
import { parseDepPath, withoutPeers } from './dep-path.js';
import { isPnpmLockfile, pnpmLockfileExtractor } from './lockfile.js';

const extractFixture = fixtureExtract(pnpmLockfileExtractor, peerFixtures('pnpm-lock'), 'app/pnpm-lock.yaml');
const extractText = textExtract(pnpmLockfileExtractor, 'pnpm-lock.yaml');
const byId = (result: ExtractResult, id: string) => result.packages.find((p) => `${p.name}@${p.version}` === id);

describe('pnpm-lockfile: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, count, the name@version EXPECTED.md lists first]. The peer compares sorted lists; we check membership.
  const cases: Array<[string, number, string[]]> = [
    ['no-packages.v9.yaml', 0, []],
    ['one-package.v9.yaml', 1, ['acorn@8.11.3']],
    ['one-package-dev.v9.yaml', 1, ['acorn@8.11.3']],
    ['scoped-packages.v9.yaml', 1, ['@typescript-eslint/types@5.62.0']],
    ['peer-dependencies.v9.yaml', 2, ['acorn-jsx@5.3.2', 'acorn@8.11.3']],
    ['peer-dependencies-advanced.v9.yaml', 13, ['@eslint-community/eslint-utils@4.4.0', '@eslint/eslintrc@2.1.4', '@typescript-eslint/eslint-plugin@5.62.0']],
    ['multiple-versions.v9.yaml', 3, ['uuid@8.0.0', 'uuid@8.3.2', 'xmlbuilder@11.0.1']],
    ['commits.v9.yaml', 2, ['ansi-regex@6.0.1', 'is-number@7.0.0']],
    ['mixed-groups.v9.yaml', 3, ['ansi-regex@5.0.1', 'uuid@8.3.2', 'is-number@7.0.0']],
    ['empty.yaml', 0, []],
    ['no-packages.yaml', 0, []],
    ['missing-packages.yaml', 0, []],
    ['one-package.yaml', 1, ['acorn@8.7.0']],
    ['one-package-v6-lockfile.yaml', 1, ['acorn@8.7.0']],
    ['one-package-dev.yaml', 1, ['acorn@8.7.0']],
    ['scoped-packages.yaml', 1, ['@typescript-eslint/types@5.13.0']],
    ['scoped-packages-v6-lockfile.yaml', 1, ['@typescript-eslint/types@5.57.1']],
    ['peer-dependencies.yaml', 2, ['acorn-jsx@5.3.2', 'acorn@8.7.0']],
    ['peer-dependencies-v6.yaml', 5, ['js-tokens@4.0.0', 'loose-envify@1.4.0', 'react-dom@18.2.0']],
    ['peer-dependencies-advanced.yaml', 9, ['@typescript-eslint/eslint-plugin@5.13.0', '@typescript-eslint/parser@5.13.0', '@typescript-eslint/type-utils@5.13.0']],
    ['peer-dependencies-advanced-v6.yaml', 5, ['js-tokens@4.0.0', 'loose-envify@1.4.0', 'react-dom@18.3.0-canary-ab31a9ed2-20230824']],
    ['peer-dependencies-advanced-rc-v6.yaml', 5, ['js-tokens@4.0.0', 'loose-envify@1.4.0', 'react-dom@18.0.0-rc.3']],
    ['multiple-versions.yaml', 3, ['uuid@3.3.2', 'uuid@8.3.2', 'xmlbuilder@9.0.7']],
    ['tarball.yaml', 1, ['@my-org/my-package@3.2.3']],
    ['commits.yaml', 5, ['my-bitbucket-package@1.0.0', '@my-scope/my-package@1.0.0', '@my-scope/my-other-package@1.0.0']],
  ];

  it.each(cases)('%s: %i packages', async (fixture, count, expected) => {
    expectFixtureCase(await extractFixture(fixture), count, expected, { type: 'npm', evidence: 'lockfile', sourceFile: 'app/pnpm-lock.yaml' });
  });

  it('exotic.yaml: 7 packages; the two keys without a version are warnings (the peer drops them silently)', async () => {
    const result = await extractFixture('exotic.yaml');
    expect(ids(result)).toEqual(['foo@1.0.0', '@foo/bar@1.0.0', 'foo@1.1.0', '@foo/bar@1.1.0', 'foo@1.2.0', 'foo@1.3.0', 'foo@1.4.0']);
    expect(result.warnings).toEqual([
      'app/pnpm-lock.yaml: "github.com/kevva/is-positive": no package version in the entry or its dependency path; skipped',
      'app/pnpm-lock.yaml: "/foo/bar": no package version in the entry or its dependency path; skipped',
    ]);
  });

  it('files.yaml: 5 packages; the nameless file: entry is a warning (the peer drops it silently)', async () => {
    const result = await extractFixture('files.yaml');
    expect(ids(result)).toEqual(['my-file-package@0.0.0', 'a-local-package@1.0.0', 'a-nested-local-package@1.0.0', 'one-up@1.0.0', 'one-up-with-peer@1.0.0']);
    expect(result.warnings).toEqual(['app/pnpm-lock.yaml: "file:../nameless-package": no package name in the entry or its dependency path; skipped']);
  });

  // EXPECTED.md: "expects error", yet the peer still returns acorn@8.7.0. Stella reports a bad key as a
  // warning and reads the rest of the file (CONVENTIONS.md: partial failure is a status, not a crash).
  it.each([
    ['invalid-path.yaml', ['"invalidpath"']],
    ['invalid-paths.yaml', ['"invalidpath1"', '"invalidpath2"']],
  ])('%s: acorn@8.7.0 plus a warning per invalid dependency path, instead of an error', async (fixture, keys) => {
    const result = await extractFixture(fixture);
    expect(ids(result)).toEqual(['acorn@8.7.0']);
    expect(result.warnings).toEqual(keys.map((key) => `app/pnpm-lock.yaml: ${key}: no package name and version in the entry or its dependency path; skipped`));
  });

  it('not-yaml.txt: throws a StellaError naming the file', async () => {
    expect(await expectStellaRejection(extractFixture('not-yaml.txt'))).toMatchObject({ code: 'JSON_INVALID', message: 'app/pnpm-lock.yaml: not a pnpm lockfile (no lockfileVersion)' });
  });
});

describe('pnpm-lockfile: groups', () => {
  it('v5 and v6: dev and optional come from each entry', async () => {
    for (const fixture of ['mixed-groups.v53.yaml', 'mixed-groups.v54.yaml']) {
      const result = await extractFixture(fixture);
      expect(ids(result)).toEqual(['ansi-regex@5.0.1', 'is-number@7.0.0', 'uuid@8.3.2']);
      expect(byId(result, 'is-number@7.0.0')).toMatchObject({ dev: true });
      expect(byId(result, 'uuid@8.3.2')).toMatchObject({ optional: true });
      expect(byId(result, 'ansi-regex@5.0.1')).toEqual({ type: 'npm', name: 'ansi-regex', version: '5.0.1', sourceFile: 'app/pnpm-lock.yaml', evidence: 'lockfile' });
    }
    const v6 = await extractFixture('mixed-groups.v6.yaml');
    expect(byId(v6, 'is-number@7.0.0')?.dev).toBe(true);
    expect(byId(v6, 'uuid@8.0.0')?.optional).toBe(true);
  });

  it('v9: dev-only is worked out from the importers (the peer reports no groups for v9); optional from the snapshots', async () => {
    const result = await extractFixture('mixed-groups.v9.yaml');
    expect(byId(result, 'is-number@7.0.0')?.dev).toBe(true);
    expect(byId(result, 'uuid@8.3.2')).toMatchObject({ optional: true });
    expect(byId(result, 'uuid@8.3.2')?.dev).toBeUndefined();
    expect(byId(result, 'ansi-regex@5.0.1')?.dev).toBeUndefined();
    expect(byId(await extractFixture('one-package-dev.v9.yaml'), 'acorn@8.11.3')?.dev).toBe(true);
    expect(byId(await extractFixture('one-package.v9.yaml'), 'acorn@8.11.3')?.dev).toBeUndefined();
  });

  it('v9: a package reached from both prod and dev dependencies, through peers and aliases, is not dev-only', async () => {
    const text = [
      "lockfileVersion: '9.0'",
      'importers:',
      '  .:',
      '    dependencies:',
      '      a: {specifier: ^1, version: 1.0.0(p@1.0.0)}',
      '      w: {specifier: workspace:*, version: link:packages/w}',
      '    devDependencies:',
      '      t: {specifier: ^1, version: 1.0.0}',
      '      sw: {specifier: npm:string-width@^4, version: string-width@4.2.3}',
      'packages:',
      '  a@1.0.0: {}',
      '  p@1.0.0: {}',
      '  s@1.0.0: {}',
      '  t@1.0.0: {}',
      '  d@2.0.0: {}',
      '  string-width@4.2.3: {}',
      'snapshots:',
      '  a@1.0.0(p@1.0.0): {dependencies: {s: 1.0.0}}',
      '  p@1.0.0: {}',
      '  s@1.0.0: {}',
      '  t@1.0.0: {dependencies: {s: 1.0.0, d: 2.0.0}}',
      '  d@2.0.0: {}',
      '  string-width@4.2.3: {}',
    ].join('\n');
    const result = await extractText(text);
    const dev = result.packages.filter((p) => p.dev === true).map((p) => `${p.name}@${p.version}`);
    expect(dev).toEqual(['t@1.0.0', 'd@2.0.0', 'string-width@4.2.3']);
    expect(result.packages).toHaveLength(6);
  });

  it('v9: a hostile dependency cycle ends', async () => {
    const snapshots = Array.from({ length: 5000 }, (_, i) => `  p${i}@1.0.0: {dependencies: {p${(i + 1) % 5000}: 1.0.0}}`);
    const packages = Array.from({ length: 5000 }, (_, i) => `  p${i}@1.0.0: {}`);
    const text = ["lockfileVersion: '9.0'", 'importers:', '  .:', '    devDependencies:', '      p0: {specifier: "1", version: 1.0.0}', 'packages:', ...packages, 'snapshots:', ...snapshots].join('\n');
    expect((await extractText(text)).packages.every((p) => p.dev === true)).toBe(true);
  });
});

describe('pnpm-lockfile: documents', () => {
  it('pnpm 10: the project lockfile is the last YAML document', async () => {
    const text = "---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    configDependencies: {}\n---\nlockfileVersion: '9.0'\npackages:\n  acorn@8.11.3: {}\n";
    expect(ids(await extractText(text))).toEqual(['acorn@8.11.3']);
  });

  it('versions stay strings', async () => {
    expect(ids(await extractText("lockfileVersion: '6.0'\npackages:\n  /a@1.10:\n    dev: false\n"))).toEqual(['a@1.10']);
  });

  it.each([
    ['not YAML', "lockfileVersion: '9.0'\npackages: [\n", /^x\/pnpm-lock\.yaml: not valid YAML \(/],
    ['a YAML list', "- lockfileVersion: '9.0'\n- b\n", /^x\/pnpm-lock\.yaml: not a pnpm lockfile/],
    ['a last document that is not a mapping', "lockfileVersion: '9.0'\n---\n- a\n", /^x\/pnpm-lock\.yaml: expected a YAML mapping at the top level$/],
    ['junk', 'this is not valid yaml!\n', /^x\/pnpm-lock\.yaml: not a pnpm lockfile \(no lockfileVersion\)$/],
  ])('%s throws a StellaError naming the file', async (_label, text, message) => {
    const error = await expectStellaRejection(extractText(text, 'x/pnpm-lock.yaml'));
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it('YAML aliases cannot blow up (billion laughs)', async () => {
    const levels = Array.from({ length: 12 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`);
    const text = ["lockfileVersion: '9.0'", 'l0: &l0 [x]', ...levels, 'packages: {}'].join('\n');
    expect(await rejectionOf(extractText(text))).toMatchObject({ code: 'JSON_INVALID' });
  });
});

describe('pnpm-lockfile: dependency paths', () => {
  it.each([
    ['/acorn/8.7.0', 5, { name: 'acorn', version: '8.7.0' }],
    ['/@typescript-eslint/types/5.13.0', 5, { name: '@typescript-eslint/types', version: '5.13.0' }],
    ['/@typescript-eslint/eslint-plugin/5.13.0_33fffc354ccfa91fbe7d1677b9395a0a', 5, { name: '@typescript-eslint/eslint-plugin', version: '5.13.0' }],
    ['/foo/1.4.0_@types+babel__core@7.1.14', 5, { name: 'foo', version: '1.4.0' }],
    ['registry.example.invalid/@foo/bar/1.1.0', 5, { name: '@foo/bar', version: '1.1.0' }],
    ['/react-dom@18.0.0-rc.3(react@18.2.0)', 6, { name: 'react-dom', version: '18.0.0-rc.3' }],
    ['/@typescript-eslint/types@5.57.1', 6, { name: '@typescript-eslint/types', version: '5.57.1' }],
    ["@typescript-eslint/eslint-plugin@5.62.0(@typescript-eslint/parser@5.62.0(eslint@8.57.0))(eslint@8.57.0)", 9, { name: '@typescript-eslint/eslint-plugin', version: '5.62.0' }],
    ['ansi-regex@https://codeload.github.com/chalk/ansi-regex/tar.gz/02fa893d', 9, { name: 'ansi-regex' }],
    ['github.com/kevva/is-positive', 5, { name: 'kevva' }],
    ['file:../nameless-package', 5, {}],
    ['file:../nameless-package', 9, {}],
    ['invalidpath', 5, {}],
    ['invalidpath', 9, {}],
    ['/@scope/1.0.0', 5, { version: '1.0.0' }],
  ])('parseDepPath(%s, v%i)', (key, major, expected) => {
    expect(parseDepPath(key, major)).toEqual(expected);
  });

  it('withoutPeers', () => {
    expect(withoutPeers('a@1.0.0(b@2.0.0(c@3.0.0))(d@1.0.0)')).toBe('a@1.0.0');
    expect(withoutPeers('a@1.0.0')).toBe('a@1.0.0');
  });
});

describe('pnpm-lockfile: which files', () => {
  it.each([
    ['pnpm-lock.yaml', true],
    ['path/to/my/pnpm-lock.yaml', true],
    ['node_modules/.pnpm/lock.yaml', true],
    ['app/node_modules/.pnpm/lock.yaml', true],
    ['app/node_modules/x/pnpm-lock.yaml', false],
    ['app/node_modules/x/node_modules/.pnpm/lock.yaml', false],
    ['path/to/my/pnpm-lock.yaml/file', false],
    ['path/to/my/pnpm-lock.yaml.file', false],
    ['path.to.my.pnpm-lock.yaml', false],
    ['app/.pnpm/lock.yaml', false],
    ['', false],
  ])('%s → %s', (path, wanted) => {
    expect(isPnpmLockfile(path)).toBe(wanted);
  });
});
