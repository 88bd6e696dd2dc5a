import { describe, expect, it } from 'vitest';
import { expectFixtureCase, expectStellaRejection, fixtureExtract, ids, peerFixtures, registered, textExtract, thrownBy } from '../fixtures.test-helper.js';
import { packageNameOf, splitDescriptor } from './descriptor.js';
import { isYarnLockfile, yarnLockfileExtractor } from './lockfile.js';

const extractFixture = fixtureExtract(yarnLockfileExtractor, peerFixtures('yarn-lock'), 'app/yarn.lock');
const extractText = textExtract(yarnLockfileExtractor, 'yarn.lock');

describe('yarn-lockfile: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, count, the name@version EXPECTED.md lists first]. The peer compares sorted lists; we check membership.
  const cases: Array<[string, number, string[]]> = [
    ['empty.v1.lock', 0, []],
    ['one-package.v1.lock', 1, ['balanced-match@1.0.2']],
    ['no-version.v1.lock', 1, ['balanced-match@1.0.2']],
    ['two-packages.v1.lock', 2, ['concat-stream@1.6.2', 'concat-map@0.0.1']],
    ['with-quotes.v1.lock', 2, ['concat-stream@1.6.2', 'concat-map@0.0.1']],
    ['multiple-versions.v1.lock', 4, ['define-properties@1.1.3', 'define-property@0.2.5', 'define-property@1.0.0']],
    ['multiple-constraints.v1.lock', 2, ['@babel/code-frame@7.12.13', 'domelementtype@1.3.1']],
    ['scoped-packages.v1.lock', 2, ['@babel/code-frame@7.12.11', '@babel/compat-data@7.14.0']],
    ['with-prerelease.v1.lock', 5, ['css-tree@1.0.0-alpha.37', 'gensync@1.0.0-beta.2', 'node-fetch@3.0.0-beta.9']],
    ['with-build-string.v1.lock', 2, ['domino@2.1.6+git', 'tslib@2.6.2']],
    ['commits.v1.lock', 18, ['mine1@1.0.0-alpha.37', 'mine2@0.0.1', 'mine3@1.2.3']],
    ['files.v1.lock', 6, ['etag@1.8.1', 'filedep@1.2.0', 'lodash@1.3.1']],
    ['with-aliases.v1.lock', 3, ['@babel/helper-validator-identifier@7.22.20', 'ansi-regex@6.0.1', 'ansi-regex@5.0.1']],
    ['empty.v2.lock', 0, []],
    ['one-package.v2.lock', 1, ['balanced-match@1.0.2']],
    ['two-packages.v2.lock', 2, ['compare-func@2.0.0', 'concat-map@0.0.1']],
    ['with-quotes.v2.lock', 2, ['compare-func@2.0.0', 'concat-map@0.0.1']],
    ['multiple-versions.v2.lock', 3, ['debug@4.3.3', 'debug@2.6.9', 'debug@3.2.7']],
    ['scoped-packages.v2.lock', 3, ['@babel/cli@7.16.8', '@babel/code-frame@7.16.7', '@babel/compat-data@7.16.8']],
    ['with-prerelease.v2.lock', 2, ['@nicolo-ribaudo/chokidar-2@2.1.8-no-fsevents.3', 'gensync@1.0.0-beta.2']],
    ['with-build-string.v2.lock', 2, ['domino@2.1.6+git', 'tslib@2.6.2']],
    ['commits.v2.lock', 7, ['@my-scope/my-first-package@0.0.6', 'my-second-package@0.2.2', '@typegoose/typegoose@7.2.0']],
    ['files.v2.lock', 1, ['my-package@0.0.2']],
    ['with-aliases.v2.lock', 3, ['@babel/helper-validator-identifier@7.22.20', 'ansi-regex@6.0.1', 'ansi-regex@5.0.1']],
    ['exclude-root.v2.lock', 2, ['@ws/ansi-regex@0.0.0-use.local', 'ansi-regex@6.1.0']],
    // Not in EXPECTED.md, but staged beside the others: a berry file with only __metadata.
    ['metadata-only.v2.lock', 0, []],
  ];

  it.each(cases)('%s: %i packages', async (fixture, count, expected) => {
    expectFixtureCase(await extractFixture(fixture), count, expected, { type: 'npm', evidence: 'lockfile', sourceFile: 'app/yarn.lock' }, 'only');
  });

  it('git and file dependencies report the version yarn recorded, one package per name and version', async () => {
    expect(ids(await extractFixture('commits.v1.lock'))).toEqual(expect.arrayContaining(['mine4@0.0.2', 'mine4@0.0.4', 'is-number@2.0.0', 'is-number@5.0.0', 'minimist@0.0.8']));
    expect(ids(await extractFixture('files.v1.lock'))).toEqual(['etag@1.8.1', 'filedep@1.2.0', 'lodash@1.3.1', 'other_package@0.0.2', 'sprintf-js@0.0.0', 'etag@1.8.0']);
  });

  it('berry: the root workspace is skipped, other workspaces are kept', async () => {
    const result = await extractFixture('exclude-root.v2.lock');
    expect(ids(result)).toEqual(['@ws/ansi-regex@0.0.0-use.local', 'ansi-regex@6.1.0']);
    expect(ids(await extractFixture('with-aliases.v2.lock'))).not.toContain('mine@0.0.0-use.local');
  });
});

describe('yarn-lockfile: formats', () => {
  it('v1: quoted keys, several descriptors and a UTF-8 BOM', async () => {
    const text = '\uFEFF# yarn lockfile v1\n\n"@s/a@^1.0.0", "@s/a@^1.1.0":\n  "version" "1.2.0"\n  resolved "https://r.example.invalid/a.tgz"\n  dependencies:\n    version "9.9.9"\n';
    expect(ids(await extractText(text))).toEqual(['@s/a@1.2.0']);
  });

  it('v1: CRLF line ends', async () => {
    expect(ids(await extractText('a@^1:\r\n  version "1.0.0"\r\n\r\nb@^2:\r\n  version "2.0.0"\r\n'))).toEqual(['a@1.0.0', 'b@2.0.0']);
  });

  it('berry: a patched package is the same package and version as the original', async () => {
    const text = [
      '__metadata:',
      '  version: 8',
      '',
      '"resolve@npm:^1.20.0":',
      '  version: 1.22.1',
      '  resolution: "resolve@npm:1.22.1"',
      '',
      '"resolve@patch:resolve@npm%3A^1.20.0#~builtin<compat/resolve>":',
      '  version: 1.22.1',
      '  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1&hash=c3c19d"',
      '',
    ].join('\n');
    expect(ids(await extractText(text))).toEqual(['resolve@1.22.1']);
  });

  it('berry: versions stay strings (1.10 is not the number 1.1)', async () => {
    const text = '__metadata:\n  version: 8\n\n"a@npm:^1.10":\n  version: 1.10\n  resolution: "a@npm:1.10"\n';
    expect(ids(await extractText(text))).toEqual(['a@1.10']);
  });

  it('berry: a large lockfile is read whole and in reasonable time', async () => {
    // The contract suite's large sample is v1; berry goes through the YAML parser, which is the slow path.
    const count = 5_000;
    const entry = (i: number): string =>
      `"p${i}@npm:^1.0.0, p${i}@npm:^1.0.${i}":\n  version: 1.0.${i}\n  resolution: "p${i}@npm:1.0.${i}"\n  dependencies:\n    dep: "npm:^1.0.0"\n  checksum: 10c0/${'f'.repeat(128)}\n  languageName: node\n  linkType: hard\n`;
    const text = `__metadata:\n  version: 8\n  cacheKey: 10c0\n\n${Array.from({ length: count }, (_, i) => entry(i)).join('\n')}\n"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n`;
    const start = performance.now();
    const result = await extractText(text);
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(result.packages).toHaveLength(count);
    expect(result.packages[count - 1]).toMatchObject({ name: `p${count - 1}`, version: `1.0.${count - 1}` });
  });

  it('berry: without a resolution the first descriptor names the package, aliases included', async () => {
    const text = '__metadata:\n  version: 8\n\n"x@npm:y@^2":\n  version: 2.0.0\n';
    expect(ids(await extractText(text))).toEqual(['y@2.0.0']);
  });
});

describe('yarn-lockfile: damaged files', () => {
  it('v1: entries without a version and stray lines are warnings; the rest is read', async () => {
    const result = await extractText('  orphan "x"\na@^1:\n  resolved "u"\nnot a header\n  version "7"\nb@^2:\n  version "2.0.0"\n');
    expect(ids(result)).toEqual(['b@2.0.0']);
    expect(result.warnings).toEqual([
      'yarn.lock: line 1: indented line outside any entry; skipped',
      'yarn.lock: line 4: expected an entry header ending in ":"; skipped',
      'yarn.lock: line 2 ("a@^1"): no version; skipped',
    ]);
  });

  it('berry: an entry that is not a mapping is a warning', async () => {
    const result = await extractText('__metadata:\n  version: 8\n\n"a@npm:^1": oops\n\n"b@npm:^2":\n  version: 2.0.0\n  resolution: "b@npm:2.0.0"\n');
    expect(ids(result)).toEqual(['b@2.0.0']);
    expect(result.warnings).toEqual(['yarn.lock: "a@npm:^1" is not a mapping; skipped']);
  });

  it('warnings are capped', async () => {
    const text = Array.from({ length: 100 }, (_, i) => `p${i}@^1:\n  resolved "u"\n`).join('');
    const warnings = (await extractText(text)).warnings ?? [];
    expect(warnings).toHaveLength(21);
    expect(warnings.at(-1)).toBe('yarn.lock: … and 80 more warnings');
  });

  it.each([
    ['v1 text with no entry at all', 'this is not a lockfile\n', /^app\/yarn\.lock: not a yarn lockfile \(line 1: /],
    ['binary data', '\u0000\u0001', /^app\/yarn\.lock: binary data/],
    ['berry that is not YAML', '__metadata:\n  version: 8\n"a": [\n', /^app\/yarn\.lock: not valid YAML/],
    ['berry that is not a mapping', '__metadata:x\n', /^app\/yarn\.lock: expected a YAML mapping/],
  ])('%s throws a StellaError naming the file', async (_label, text, message) => {
    const error = await expectStellaRejection(extractText(text, 'app/yarn.lock'), 'JSON_INVALID');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it('refuses a file over the limit before reading it', () => {
    const error = thrownBy(() => registered('yarn-lockfile').extract({ path: 'yarn.lock', contents: new Uint8Array(yarnLockfileExtractor.maxFileSize + 1) }));
    expect(error).toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });
});

describe('yarn-lockfile: descriptors', () => {
  it.each([
    ['balanced-match', 'balanced-match', ''],
    ['@babel/core@^7.0.0', '@babel/core', '^7.0.0'],
    ['mine1@git+ssh://git@github.com:o/r#abc', 'mine1', 'git+ssh://git@github.com:o/r#abc'],
  ])('splitDescriptor(%s)', (descriptor, name, range) => {
    expect(splitDescriptor(descriptor)).toEqual({ name, range });
  });

  it.each([
    ['debug@npm:^4.1.0', 'debug'],
    ['ansi-regex-cjs@npm:ansi-regex@^5.0.0', 'ansi-regex'],
    ['babel-hvi@npm:@babel/helper-validator-identifier@^7.0.0', '@babel/helper-validator-identifier'],
    ['scoped@npm:@s/real', '@s/real'],
    ['x@https://example.invalid/a@b.tgz', 'x'],
  ])('packageNameOf(%s) → %s', (descriptor, name) => {
    expect(packageNameOf(descriptor)).toBe(name);
  });
});

describe('yarn-lockfile: which files', () => {
  it.each([
    ['yarn.lock', true],
    ['app/yarn.lock', true],
    ['a/b/c/yarn.lock', true],
    ['node_modules/x/yarn.lock', false],
    ['app/node_modules/@s/x/yarn.lock', false],
    ['app/my-yarn.lock', false],
    ['app/yarn.lock.bak', false],
    ['app/package-lock.json', false],
  ])('%s → %s', (path, wanted) => {
    expect(isYarnLockfile(path)).toBe(wanted);
  });
});
