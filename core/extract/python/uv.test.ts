import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../test/helpers/paths.js';
import { isStellaError } from '../../errors.js';
import type { ExtractResult } from '../extractor.js';
import { isUvLockfile, uvLockfileExtractor } from './uv.js';

const peerDir = join(sharedData, 'fixtures', 'uv-lock', 'osv-scalibr');
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

function extractFixture(fixture: string, path = 'app/uv.lock'): ExtractResult {
  return uvLockfileExtractor.extract({ path, contents: readFileSync(join(peerDir, fixture)) });
}

function extractText(text: string, path = 'uv.lock'): ExtractResult {
  return uvLockfileExtractor.extract({ path, contents: encode(text) });
}

const ids = (result: ExtractResult): string[] => result.packages.map((p) => `${p.name}@${p.version}`);

describe('uv-lockfile: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, count, the name@version EXPECTED.md lists first]. The peer compares sorted lists; we check membership.
  const cases: Array<[string, number, string[]]> = [
    ['empty.lock', 0, []],
    ['one-package.lock', 1, ['emoji@2.14.0']],
    ['two-packages.lock', 2, ['emoji@2.14.0', 'protobuf@4.25.5']],
    ['source-git.lock', 1, ['ruff@0.8.1']],
    ['grouped-packages.lock', 14, ['click@8.1.7', 'black@24.10.0', 'flake8@7.1.1']],
    ['names-outside-package-block.lock', 2, ['first-pkg@1.0.0', 'second-pkg@2.0.0']],
    // Not in EXPECTED.md, staged beside the others: only the project itself, and no packages at all.
    ['no-dependencies.lock', 0, []],
    ['no-packages.lock', 0, []],
  ];

  it.each(cases)('%s: %i packages', (fixture, count, expected) => {
    const result = extractFixture(fixture);
    expect(result.packages).toHaveLength(count);
    expect(ids(result)).toEqual(expect.arrayContaining(expected));
    expect(result.warnings).toBeUndefined();
    for (const pkg of result.packages) expect(pkg).toEqual({ type: 'pypi', name: pkg.name, version: pkg.version, sourceFile: 'app/uv.lock', evidence: 'lockfile' });
  });

  it('the project itself (virtual source ".") is not a dependency', () => {
    expect(ids(extractFixture('grouped-packages.lock'))).not.toContain('uv-lockfiles@0.1.0');
  });

  it('not-toml.txt: throws a StellaError naming the file', () => {
    let thrown: unknown;
    try {
      extractFixture('not-toml.txt');
    } catch (error) {
      thrown = error;
    }
    expect(isStellaError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'JSON_INVALID' });
    expect((thrown as Error).message).toMatch(/^app\/uv\.lock: not valid TOML \([^\n]+\)$/);
  });
});

describe('uv-lockfile: workspaces and damage', () => {
  it('an editable root is skipped, other members are kept, a dynamic-version member is skipped quietly', () => {
    const text = [
      'version = 1',
      '[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }',
      '[[package]]\nname = "lib"\nversion = "0.2.0"\nsource = { editable = "packages/lib" }',
      '[[package]]\nname = "tool"\nsource = { editable = "packages/tool" }',
      '[[package]]\nname = "idna"\nversion = "3.7"\nsource = { registry = "https://pypi.org/simple" }',
    ].join('\n');
    const result = extractText(text);
    expect(ids(result)).toEqual(['lib@0.2.0', 'idna@3.7']);
    expect(result.warnings).toBeUndefined();
  });

  it('a registry package without a version is a warning; the rest is read', () => {
    const result = extractText('[[package]]\nname = "a"\nsource = { registry = "https://pypi.org/simple" }\n\n[[package]]\nname = "b"\nversion = "2"\n');
    expect(ids(result)).toEqual(['b@2']);
    expect(result.warnings).toEqual(['uv.lock: package[0] ("a") has no version; skipped']);
  });
});

describe('uv-lockfile: which files', () => {
  it.each([
    ['uv.lock', true],
    ['app/uv.lock', true],
    ['app/uv.lock.bak', false],
    ['app/my-uv.lock', false],
    ['venv/lib/python3.12/site-packages/x/uv.lock', false],
  ])('%s → %s', (path, wanted) => {
    expect(isUvLockfile(path)).toBe(wanted);
  });
});
