import { describe, expect, it } from 'vitest';
import { expectFixtureCase, expectStellaError, fixtureExtract, ids, jsonExtract, peerFixtures, thrownBy } from '../fixtures.test-helper.js';
import { composerLockExtractor, isComposerLock } from './composer-lock.js';

const extractFixture = fixtureExtract(composerLockExtractor, peerFixtures('composer-lock'), 'app/composer.lock');
const extractJson = jsonExtract(composerLockExtractor, 'composer.lock');

describe('composer-lock: fixtures/EXPECTED.md (osv-scalibr)', () => {
  const cases: Array<[string, number, string[]]> = [
    ['empty.json', 0, []],
    ['one-package.json', 1, ['sentry/sdk@2.0.4']],
    ['one-package-dev.json', 1, ['sentry/sdk@2.0.4']],
    ['two-packages.json', 2, ['sentry/sdk@2.0.4', 'theseer/tokenizer@1.1.3']],
    ['two-packages-alt.json', 2, ['sentry/sdk@2.0.4', 'theseer/tokenizer@1.1.3']],
    ['drupal-packages.json', 4, ['drupal/core@10.4.5', 'drupal/tfa@2.0.0-alpha4', 'drupal/field_time@1.0.0-beta5']],
    ['duplicate-packages.json', 3, ['sentry/sdk@2.0.4', 'sentry/sdk@2.0.5', 'sentry/sdk@3.0.0-dev']],
  ];

  it.each(cases)('%s: %i packages', (fixture, count, expected) => {
    expectFixtureCase(extractFixture(fixture), count, expected, { type: 'composer', evidence: 'lockfile', sourceFile: 'app/composer.lock' });
  });

  it.each(['not-json.txt', 'null.jsontest'])('%s: throws JSON_INVALID naming the file', (fixture) => {
    expect(expectStellaError(() => extractFixture(fixture), 'JSON_INVALID').message).toMatch(/^app\/composer\.lock: /);
  });
});

describe('composer-lock: entries', () => {
  it('packages-dev entries are dev; a package locked in both lists is not', () => {
    const dev = extractFixture('one-package-dev.json').packages[0];
    expect(dev?.dev).toBe(true);
    expect(extractFixture('one-package.json').packages[0]?.dev).toBeUndefined();
    const both = extractJson({ packages: [{ name: 'a/b', version: '1.0.0' }], 'packages-dev': [{ name: 'a/b', version: '1.0.0' }, { name: 'c/d', version: 'v2.0.0' }] });
    expect(both.packages).toEqual([
      { type: 'composer', name: 'a/b', version: '1.0.0', sourceFile: 'composer.lock', evidence: 'lockfile' },
      { type: 'composer', name: 'c/d', version: 'v2.0.0', sourceFile: 'composer.lock', evidence: 'lockfile', dev: true },
    ]);
    const devFirst = extractJson({ packages: [], 'packages-dev': [{ name: 'a/b', version: '1.0.0' }] });
    expect(devFirst.packages[0]?.dev).toBe(true);
  });

  it('entries without a name or version are warnings; a wrongly typed list is JSON_INVALID', () => {
    const result = extractJson({ packages: [{ name: 'a/b' }, 'x', { name: 'c/d', version: '1.0.0' }] });
    expect(ids(result)).toEqual(['c/d@1.0.0']);
    expect(result.warnings).toEqual(['composer.lock: packages[0] has no name or version; skipped', 'composer.lock: packages[1] has no name or version; skipped']);
    expect(thrownBy(() => extractJson({ packages: {} }))).toMatchObject({ code: 'JSON_INVALID', message: 'composer.lock: "packages" is not an array' });
  });
});

describe('composer-lock: which files', () => {
  it.each([
    ['composer.lock', true],
    ['var/www/html/composer.lock', true],
    ['var/www/html/vendor/guzzlehttp/guzzle/composer.lock', false],
    ['var/www/html/composer.json', false],
  ])('%s → %s', (path, wanted) => {
    expect(isComposerLock(path)).toBe(wanted);
  });
});
