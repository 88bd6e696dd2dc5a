import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectFixtureCase, expectStellaError, fixtureExtract, ids, peerFixtures, registered, textExtract, thrownBy } from '../fixtures.test-helper.js';
import { goModExtractor, isGoMod } from './gomod.js';

const extractFixture = fixtureExtract(goModExtractor, peerFixtures('go-mod'), 'app/go.mod');
const extractText = textExtract(goModExtractor, 'go.mod');

describe('go-mod: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, count, the name@version EXPECTED.md lists; '' version = "(no version)"]. Membership, not order.
  const cases: Array<[string, number, string[]]> = [
    ['empty.mod', 0, []],
    ['one-package.mod', 1, ['github.com/BurntSushi/toml@1.0.0']],
    ['two-packages.mod', 3, ['github.com/BurntSushi/toml@1.0.0', 'gopkg.in/yaml.v2@2.4.0', 'stdlib@1.17']],
    ['toolchain.mod', 2, ['github.com/BurntSushi/toml@1.0.0', 'stdlib@1.23.6']],
    ['toolchain-with-suffix.mod', 2, ['github.com/BurntSushi/toml@1.0.0', 'stdlib@1.23.6']],
    ['indirect-packages.mod', 6, ['github.com/BurntSushi/toml@1.0.0', 'gopkg.in/yaml.v2@2.4.0', 'github.com/mattn/go-colorable@0.1.9', 'stdlib@1.17']],
    ['replace-one.mod', 1, ['example.com/fork/net@1.4.5']],
    ['replace-mixed.mod', 2, ['example.com/fork/net@1.4.5', 'golang.org/x/net@0.5.6']],
    ['replace-local.mod', 2, ['./fork/net@', 'github.com/BurntSushi/toml@1.0.0']],
    ['replace-different.mod', 2, ['example.com/fork/foe@1.4.5', 'example.com/fork/foe@1.4.2']],
    ['replace-not-required.mod', 2, ['golang.org/x/net@0.5.6', 'github.com/BurntSushi/toml@1.0.0']],
    ['replace-no-version.mod', 1, ['example.com/fork/net@1.4.5']],
    ['indirect-1.23.mod', 3, ['github.com/sirupsen/logrus@1.9.3', 'golang.org/x/sys@0.0.0-20220715151400-c0bba94af5f8', 'stdlib@1.23']],
  ];

  it.each(cases)('%s: %i packages', (fixture, count, expected) => {
    expectFixtureCase(extractFixture(fixture), count, expected, { type: 'golang', evidence: 'lockfile', sourceFile: 'app/go.mod' });
  });

  it('indirect-1.16.mod with the go.sum beside it: 7 packages, as the peer (go.sum completes a go.mod older than 1.17)', () => {
    const siblings = new Map([['go.sum', readFileSync(join(peerFixtures('go-mod'), 'indirect-1.16.sum'))]]);
    const result = goModExtractor.extract({ path: 'app/go.mod', contents: readFileSync(join(peerFixtures('go-mod'), 'indirect-1.16.mod')), siblings });
    expectFixtureCase(result, 7, ['github.com/sirupsen/logrus@1.9.3', 'stdlib@1.16', 'github.com/davecgh/go-spew@1.1.1'], { type: 'golang', evidence: 'lockfile', sourceFile: 'app/go.mod' });
    // The /go.mod-only lines (go-spew 1.1.0, objx, check.v1) name modules read for their go.mod, not built.
    expect(ids(result)).toEqual([
      'github.com/sirupsen/logrus@1.9.3',
      'github.com/davecgh/go-spew@1.1.1',
      'github.com/pmezard/go-difflib@1.0.0',
      'github.com/stretchr/testify@1.7.0',
      'golang.org/x/sys@0.0.0-20220715151400-c0bba94af5f8',
      'gopkg.in/yaml.v3@3.0.0-20200313102051-9f266ea9e77c',
      'stdlib@1.16',
    ]);
    expect(result.warnings).toBeUndefined();
  });

  it('indirect-1.16.mod without a go.sum (or where the caller cannot look beside it): only the go.mod requirements', () => {
    expect(ids(extractFixture('indirect-1.16.mod'))).toEqual(['github.com/sirupsen/logrus@1.9.3', 'stdlib@1.16']);
  });

  it('a go.sum beside a go.mod of Go 1.17 or later is not read: the go.mod lists every requirement itself', () => {
    const siblings = new Map([['go.sum', readFileSync(join(peerFixtures('go-mod'), 'indirect-1.23.sum'))]]);
    const result = goModExtractor.extract({ path: 'app/go.mod', contents: readFileSync(join(peerFixtures('go-mod'), 'indirect-1.23.mod')), siblings });
    expect(ids(result)).toEqual(['github.com/sirupsen/logrus@1.9.3', 'golang.org/x/sys@0.0.0-20220715151400-c0bba94af5f8', 'stdlib@1.23']);
    expect(result.warnings).toBeUndefined();
  });

  it('go.sum: modules a replace takes out are left out, malformed lines skipped with one warning', () => {
    const mod = 'module m\ngo 1.14\nrequire golang.org/x/net v0.5.6\nreplace golang.org/x/net => example.com/fork/net v1.4.5\n';
    const sum = [
      'golang.org/x/net v0.5.6 h1:a=',
      'example.com/fork/net v1.4.5 h1:b=',
      'example.com/dep v1.0.0 h1:c=',
      'example.com/dep v1.0.0/go.mod h1:d=',
      'not a go.sum line at all',
      'example.com/short v1.0.0',
    ].join('\n');
    const encode = (text: string) => new TextEncoder().encode(text);
    const result = goModExtractor.extract({ path: 'go.mod', contents: encode(mod), siblings: new Map([['go.sum', encode(sum)]]) });
    expect(ids(result)).toEqual(['example.com/fork/net@1.4.5', 'example.com/dep@1.0.0', 'stdlib@1.14']);
    expect(result.warnings).toEqual(['go.mod: go.sum: 2 malformed line(s) skipped (first: line 5)']);
  });

  it('not-go-mod.mod: throws a StellaError naming the file', () => {
    expect(expectStellaError(() => extractFixture('not-go-mod.mod')).message).toMatch(/^app\/go\.mod: not a go\.mod file \(line 1: unknown directive "this"\)$/);
  });
});

describe('go-mod: directives', () => {
  it('reads single-line and block requires, quoted paths and comments', () => {
    const result = extractText(
      [
        'module example.com/me // the project itself',
        '',
        'go 1.22',
        'require golang.org/x/text v0.14.0',
        'require (',
        '\t"github.com/a/b" v1.2.3 // indirect',
        '\t`github.com/c/d` v0.0.0-20240101000000-abcdefabcdef',
        ')',
        'require ()',
        'exclude golang.org/x/text v0.13.0',
        'retract [v1.0.0, v1.0.5]',
        'godebug default=go1.21',
        'tool golang.org/x/tools/cmd/stringer',
      ].join('\n'),
    );
    expect(ids(result)).toEqual(['golang.org/x/text@0.14.0', 'github.com/a/b@1.2.3', 'github.com/c/d@0.0.0-20240101000000-abcdefabcdef', 'stdlib@1.22']);
    expect(result.warnings).toBeUndefined();
  });

  it('a versioned replace wins over a path-only replace, whatever the order', () => {
    const result = extractText(
      [
        'require (',
        '  example.com/a v1.0.0',
        '  example.com/a v2.0.0',
        ')',
        'replace example.com/a v1.0.0 => example.com/exact v1.1.0',
        'replace example.com/a => example.com/any v9.9.9',
      ].join('\n'),
    );
    expect(ids(result)).toEqual(['example.com/exact@1.1.0', 'example.com/any@9.9.9']);
  });

  it('a replace by a directory reports the directory without a version; a bare module target is a warning', () => {
    const result = extractText(['require example.com/a v1.0.0', 'require example.com/b v1.0.0', 'replace example.com/a => ../a', 'replace example.com/b => example.com/c'].join('\n'));
    expect(ids(result)).toEqual(['../a@', 'example.com/b@1.0.0']);
    expect(result.warnings).toEqual(['go.mod: line 4: "replace" expects "old [version] => new [version]"; skipped']);
  });

  it('malformed lines are warnings and the rest is read', () => {
    const result = extractText(['module m', 'require example.com/only-path', 'require example.com/ok v1.0.0', 'frobnicate x', 'require (', 'example.com/in-block v1.0.0'].join('\n'), 'svc/go.mod');
    expect(ids(result)).toEqual(['example.com/ok@1.0.0', 'example.com/in-block@1.0.0']);
    expect(result.warnings).toEqual([
      'svc/go.mod: line 2: "require" expects a module path and a version; skipped',
      'svc/go.mod: line 4: unknown directive "frobnicate"; skipped',
      'svc/go.mod: "require (" block is not closed',
    ]);
  });

  it('warnings are capped', () => {
    const result = extractText(['module m', ...Array.from({ length: 100 }, () => 'require only-path')].join('\n'));
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings?.at(-1)).toBe('go.mod: … and 80 more warnings');
  });

  it('CRLF line endings', () => {
    expect(ids(extractText('module m\r\ngo 1.21\r\nrequire (\r\n  example.com/a v1.0.0\r\n)\r\n'))).toEqual(['example.com/a@1.0.0', 'stdlib@1.21']);
  });

  it('refuses a file over the limit without reading it', () => {
    expect(thrownBy(() => registered('go-mod').extract({ path: 'go.mod', contents: new Uint8Array(goModExtractor.maxFileSize + 1) }))).toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });
});

describe('go-mod: which files', () => {
  it.each([
    ['go.mod', true],
    ['src/app/go.mod', true],
    ['app/go.sum', false],
    ['app/go.work', false],
    ['app/vendor/github.com/x/y/go.mod', false],
    ['root/go/pkg/mod/github.com/x/y@v1.2.3/go.mod', false],
    ['app/my-go.mod', false],
    ['app/go.mod/x', false],
  ])('%s → %s', (path, wanted) => {
    expect(isGoMod(path)).toBe(wanted);
  });
});
