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

  it('indirect-1.16.mod: only the go.mod requirements (deliberate difference: the peer expects 7)', () => {
    // Before Go 1.17 a go.mod omits indirect dependencies and the peer reads them from the
    // go.sum beside it. Our extractors see one file at a time, so the 5 go.sum-only modules
    // (go-spew, go-difflib, testify, x/sys, yaml.v3) are not reported from here.
    const result = extractFixture('indirect-1.16.mod');
    expect(ids(result)).toEqual(['github.com/sirupsen/logrus@1.9.3', 'stdlib@1.16']);
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
