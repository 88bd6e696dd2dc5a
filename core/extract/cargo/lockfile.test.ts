import { describe, expect, it } from 'vitest';
import { encode, expectFixtureCase, expectStellaRejection, fixtureExtract, ids, peerFixtures, rejectionOf } from '../fixtures.test-helper.js';
import { cargoLockExtractor, isCargoLock } from './lockfile.js';

const extractFixture = fixtureExtract(cargoLockExtractor, peerFixtures('cargo-lock'), 'app/Cargo.lock');

describe('cargo-lock: fixtures/EXPECTED.md (osv-scalibr)', () => {
  const cases: Array<[string, number, string[]]> = [
    ['empty.lock', 0, []],
    ['one-package.lock', 1, ['addr2line@0.15.2']],
    ['two-packages.lock', 2, ['addr2line@0.15.2', 'syn@1.0.73']],
    ['two-packages-with-local.lock', 2, ['addr2line@0.15.2', 'local-rust-pkg@0.1.0']],
    ['package-with-build-string.lock', 1, ['wasi@0.10.2+wasi-snapshot-preview1']],
    ['duplicate.lock', 2, ['syn@1.0.73', 'syn@2.0.0']],
    ['package-with-comments.lock', 2, ['addr2line@0.15.2', 'syn@1.0.73']],
    ['many-packages.lock', 6, ['zstd@0.11.2', 'aho-corasick@0.7.18', 'memchr@2.4.1']],
  ];

  it.each(cases)('%s: %i packages', async (fixture, count, expected) => {
    expectFixtureCase(await extractFixture(fixture), count, expected, { type: 'cargo', evidence: 'lockfile', sourceFile: 'app/Cargo.lock' }, 'only');
  });

  it('many-packages.lock: in appearance order, as the peer names the case', async () => {
    expect(ids(await extractFixture('many-packages.lock'))).toEqual(['zstd@0.11.2', 'aho-corasick@0.7.18', 'memchr@2.4.1', 'syn@1.0.109', 'libc@0.2.140', 'syn@2.0.15']);
  });

  it('not-toml.txt: throws a StellaError naming the file', async () => {
    const error = await expectStellaRejection(extractFixture('not-toml.txt'));
    expect(error.message).toMatch(/^app\/Cargo\.lock: not valid TOML \(/);
    expect(error.message).not.toContain('\n');
  });
});

describe('cargo-lock: entries', () => {
  it('entries without a name or version are warnings; the same name and version is reported once', async () => {
    const text = [
      '[[package]]',
      'name = "a"',
      'version = "1.0.0"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"',
      '[[package]]',
      'name = "a"',
      'version = "1.0.0"',
      'source = "git+https://example.invalid/a#abc"',
      '[[package]]',
      'name = "no-version"',
      '[[package]]',
      'version = 3',
    ].join('\n');
    const result = await cargoLockExtractor.extract({ path: 'Cargo.lock', contents: encode(text) });
    expect(ids(result)).toEqual(['a@1.0.0']);
    expect(result.warnings).toEqual(['Cargo.lock: package #3 has no name or version; skipped', 'Cargo.lock: package #4 has no name or version; skipped']);
  });

  it('a "package" key that is not an array of tables is an error', async () => {
    expect(await rejectionOf(cargoLockExtractor.extract({ path: 'Cargo.lock', contents: encode('package = "x"') }))).toMatchObject({ message: 'Cargo.lock: "package" is not an array of tables' });
  });

  it('hostile nesting is refused, not a stack overflow', async () => {
    await expectStellaRejection(cargoLockExtractor.extract({ path: 'Cargo.lock', contents: encode(`x = ${'['.repeat(100_000)}`) }));
  });
});

describe('cargo-lock: which files', () => {
  it.each([
    ['Cargo.lock', true],
    ['crates/app/Cargo.lock', true],
    ['root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/ripgrep-14.1.0/Cargo.lock', false],
    ['Cargo.toml', false],
    ['cargo.lock', false],
  ])('%s → %s', (path, wanted) => {
    expect(isCargoLock(path)).toBe(wanted);
  });
});
