import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStellaError } from '../../errors.js';
import { sharedData } from '../../../test/helpers/paths.js';
import type { ExtractResult } from '../extractor.js';
import { composerLockExtractor, isComposerLock } from './composer-lock.js';

const peerDir = join(sharedData, 'fixtures', 'composer-lock', 'osv-scalibr');
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const ids = (result: ExtractResult): string[] => result.packages.map((p) => `${p.name}@${p.version}`);

function extractFixture(fixture: string): ExtractResult {
  return composerLockExtractor.extract({ path: 'app/composer.lock', contents: readFileSync(join(peerDir, fixture)) });
}

function extractJson(doc: unknown): ExtractResult {
  return composerLockExtractor.extract({ path: 'composer.lock', contents: encode(JSON.stringify(doc)) });
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

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
    const result = extractFixture(fixture);
    expect(result.packages).toHaveLength(count);
    expect(ids(result)).toEqual(expect.arrayContaining(expected));
    expect(result.warnings).toBeUndefined();
    for (const pkg of result.packages) expect(pkg).toMatchObject({ type: 'composer', evidence: 'lockfile', sourceFile: 'app/composer.lock' });
  });

  it.each(['not-json.txt', 'null.jsontest'])('%s: throws JSON_INVALID naming the file', (fixture) => {
    const error = thrownBy(() => extractFixture(fixture));
    expect(isStellaError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'JSON_INVALID' });
    expect((error as Error).message).toMatch(/^app\/composer\.lock: /);
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
