import { describe, expect, it } from 'vitest';
import { expectFixtureCase, expectStellaError, fixtureExtract, ids, peerFixtures, textExtract } from '../fixtures.test-helper.js';
import { gemfileLockExtractor, isGemfileLock } from './gemfile-lock.js';

const extractFixture = fixtureExtract(gemfileLockExtractor, peerFixtures('gemfile-lock'), 'app/Gemfile.lock');
const extractText = textExtract(gemfileLockExtractor, 'Gemfile.lock');

describe('gemfile-lock: fixtures/EXPECTED.md (osv-scalibr)', () => {
  const cases: Array<[string, number, string[]]> = [
    ['no-spec-section.lock', 0, []],
    ['no-gem-section.lock', 0, []],
    ['no-gems.lock', 0, []],
    ['one-gem.lock', 1, ['ast@2.4.2']],
    ['source-section-at-end.lock', 1, ['ast@2.4.2']],
    ['some-gems.lock', 3, ['coderay@1.1.3', 'method_source@1.0.0', 'pry@0.14.1']],
    ['multiple-gems.lock', 6, ['bundler-audit@0.9.0.1', 'coderay@1.1.3', 'dotenv@2.7.6']],
    ['rubocop.lock', 10, ['ast@2.4.2', 'parallel@1.21.0', 'parser@3.1.1.0']],
    // The platform suffix of nokogiri (1.13.3-x86_64-linux) is dropped, as in the peer's own test.
    ['has-local-gem.lock', 30, ['backbone-on-rails@1.2.0.0', 'actionpack@7.0.2.2', 'actionview@7.0.2.2', 'nokogiri@1.13.3', 'eco-source@1.1.0.rc.1']],
    ['has-git-gem.lock', 5, ['hanami-controller@2.0.0.alpha1', 'hanami-utils@2.0.0.alpha1', 'concurrent-ruby@1.1.7']],
  ];

  it.each(cases)('%s: %i packages', (fixture, count, expected) => {
    expectFixtureCase(extractFixture(fixture), count, expected, { type: 'gem', evidence: 'lockfile', sourceFile: 'app/Gemfile.lock' }, 'only');
  });

  it('invalid.lock: 0 packages; the spec without a version is a warning (the peer drops it silently)', () => {
    const result = extractFixture('invalid.lock');
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual(['app/Gemfile.lock: line 4: spec "invalid-name" has no version; skipped']);
  });
});

describe('gemfile-lock: format', () => {
  it('the same gem for several platforms is one package; dependencies of specs are not packages', () => {
    const result = extractText(
      [
        'GEM',
        '  remote: https://rubygems.org/',
        '  specs:',
        '    nokogiri (1.16.0-arm64-darwin)',
        '      racc (~> 1.4)',
        '    nokogiri (1.16.0-x86_64-linux)',
        '      racc (~> 1.4)',
        '    racc (1.7.3)',
        '',
        'PLUGIN SOURCE',
        '  remote: https://example.invalid/plugins',
        '  type: custom',
        '  specs:',
        '    my-plugin (0.1.0)',
        '',
        'CHECKSUMS',
        '  racc (1.7.3) sha256=abc',
        '',
        'PLATFORMS',
        '  arm64-darwin',
        '  x86_64-linux',
      ].join('\r\n'),
    );
    expect(ids(result)).toEqual(['nokogiri@1.16.0', 'racc@1.7.3', 'my-plugin@0.1.0']);
  });

  it('an unknown section is skipped whole', () => {
    expect(ids(extractText('FUTURE SECTION\n  specs:\n    nope (1.0.0)\nGEM\n  specs:\n    yes (2.0.0)\n'))).toEqual(['yes@2.0.0']);
  });

  it('an empty file has no packages; text without any Bundler section is an error naming the file', () => {
    expect(extractText('')).toEqual({ packages: [] });
    expect(expectStellaError(() => extractText('hello\nworld\n')).message).toMatch(/^Gemfile\.lock: not a Gemfile\.lock/);
  });
});

describe('gemfile-lock: which files', () => {
  it.each([
    ['Gemfile.lock', true],
    ['srv/app/Gemfile.lock', true],
    ['srv/app/gems.locked', true],
    ['usr/local/bundle/gems/rake-13.0.6/Gemfile.lock', false],
    ['app/vendor/bundle/ruby/3.2.0/bundler/gems/rails-abc123/Gemfile.lock', false],
    ['srv/app/Gemfile', false],
    ['srv/app/Gemfile.lock.bak', false],
  ])('%s → %s', (path, wanted) => {
    expect(isGemfileLock(path)).toBe(wanted);
  });
});
