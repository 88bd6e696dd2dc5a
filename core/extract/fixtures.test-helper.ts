/**
 * Test-only support shared by the extractor tests (`*.test.ts` under
 * core/extract/): the peers' fixture folders in shared data, running an
 * extractor on a fixture, a text or a JSON document, the `name@version`
 * listing, the check of one fixtures/EXPECTED.md case, and the check that a
 * file is refused with a StellaError.
 * Uses node: APIs, so only *.test.ts files may import it.
 *
 * @example
 *   const extractFixture = fixtureExtract(cargoLockExtractor, peerFixtures('cargo-lock'), 'app/Cargo.lock');
 *   expectFixtureCase(extractFixture('one-package.lock'), 1, ['addr2line@0.15.2'], { type: 'cargo', evidence: 'lockfile', sourceFile: 'app/Cargo.lock' }, 'only');
 *   expect((await expectStellaRejection(extractFixture('not-toml.txt'))).message).toMatch(/^app\/Cargo\.lock: /);
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isStellaError, type StellaErrorCode } from '../errors.js';
import type { ExtractedPackage } from '../model/package.js';
import { sharedData } from '../../test/helpers/paths.js';
import type { AnyExtractor, ExtractResult, Extractor } from './extractor.js';
import { defaultRegistry } from './registry.js';

/** The folder of one peer's fixtures for a format in shared data: `fixtures/<format>/<peer>`. */
export function peerFixtures(format: string, peer = 'osv-scalibr'): string {
  return join(sharedData, 'fixtures', format, peer);
}

/** The UTF-8 bytes of `text`. */
export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** `name@version` of every package, in the order the extractor reported them ('' version gives `name@`). */
export const ids = (result: ExtractResult): string[] => result.packages.map((p) => `${p.name}@${p.version}`);

/** What `run` throws, or undefined when it returns. */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * A fixed-seed generator of 32-bit numbers (xorshift32), for damage placed
 * at random: a failing round can be run again.
 *
 * @example
 *   const next = xorshift32(0x2545f491);
 *   bytes[next() % bytes.byteLength] = next() & 0xff;
 */
export function xorshift32(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

/** What `pending` rejects with, or undefined when it resolves. */
export async function rejectionOf(pending: Promise<unknown>): Promise<unknown> {
  try {
    await pending;
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * A function that feeds the fixture `dir/<fixture>` to `extractor` under `path`
 * (by default `defaultPath`), the path it would have in a target. It returns
 * what the extractor returns: a result, or a Promise of one for an extractor
 * that loads its parser on first use.
 */
export function fixtureExtract<R extends ExtractResult | Promise<ExtractResult>>(extractor: Extractor<R>, dir: string, defaultPath: string): (fixture: string, path?: string) => R {
  return (fixture, path = defaultPath) => extractor.extract({ path, contents: readFileSync(join(dir, fixture)) });
}

/** A function that feeds `text` (UTF-8) to `extractor` under `path`, by default `defaultPath`. */
export function textExtract<R extends ExtractResult | Promise<ExtractResult>>(extractor: Extractor<R>, defaultPath: string): (text: string, path?: string) => R {
  return (text, path = defaultPath) => extractor.extract({ path, contents: encode(text) });
}

/** A function that feeds `doc`, serialised with JSON.stringify, to `extractor` under `path`, by default `defaultPath`. */
export function jsonExtract<R extends ExtractResult | Promise<ExtractResult>>(extractor: Extractor<R>, defaultPath: string): (doc: unknown, path?: string) => R {
  return (doc, path = defaultPath) => extractor.extract({ path, contents: encode(JSON.stringify(doc)) });
}

/** The fields every package of a fixture case must have. */
export type FixturePackageFields = Pick<ExtractedPackage, 'type' | 'evidence' | 'sourceFile'>;

/**
 * Checks one fixtures/EXPECTED.md case: exactly `count` packages, `expected`
 * among their `name@version` (membership, not order: the peer compares sorted
 * lists), no warnings, and every package with `fields`. With `'only'`, a
 * package must have nothing but its name, its version and `fields`; with
 * `'at-least'` (the default) other fields may be present too.
 */
export function expectFixtureCase(result: ExtractResult, count: number, expected: string[], fields: FixturePackageFields, extra: 'at-least' | 'only' = 'at-least'): void {
  expect(result.packages).toHaveLength(count);
  expect(ids(result)).toEqual(expect.arrayContaining(expected));
  expect(result.warnings).toBeUndefined();
  for (const pkg of result.packages) {
    if (extra === 'only') expect(pkg).toEqual({ ...fields, name: pkg.name, version: pkg.version });
    else expect(pkg).toMatchObject(fields);
  }
}

/**
 * Expects `run` to throw a StellaError, with error code `code` when given,
 * and returns it so the caller can check that its message names the file.
 */
export function expectStellaError(run: () => unknown, code?: StellaErrorCode): { code: StellaErrorCode; message: string } {
  const error = thrownBy(run);
  expect(isStellaError(error)).toBe(true);
  if (code !== undefined) expect(error).toMatchObject({ code });
  return error as { code: StellaErrorCode; message: string };
}

/**
 * Expects `pending` to reject with a StellaError, with error code `code`
 * when given, and returns it: `expectStellaError` for extractors whose
 * `extract` returns a Promise.
 */
export async function expectStellaRejection(pending: Promise<unknown>, code?: StellaErrorCode): Promise<{ code: StellaErrorCode; message: string }> {
  const error = await rejectionOf(pending);
  expect(isStellaError(error)).toBe(true);
  if (code !== undefined) expect(error).toMatchObject({ code });
  return error as { code: StellaErrorCode; message: string };
}

/**
 * The extractor `name` as the registry hands it out — with the one size
 * check every registered extractor gets (see registry.ts).
 */
export function registered(name: string): AnyExtractor {
  const extractor = defaultRegistry.byName(name);
  if (extractor === undefined) throw new TypeError(`no extractor named ${name}`);
  return extractor;
}
