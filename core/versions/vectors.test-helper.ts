/**
 * Test-only support shared by the version-ordering tests (`*.test.ts` in
 * this folder): the peer `A <op> B` vector files in shared data, the OSV
 * zips of shared data, the `VERSION_INVALID` check, a seeded random source,
 * and running an oracle process over a batch of questions.
 * Uses node: APIs, so only *.test.ts files may import it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { StellaError, isStellaError } from '../errors.js';
import type { OsvAffected, OsvRecord } from '../model/osv.js';
import { sharedData } from '../../test/helpers/paths.js';
import type { VersionOrdering } from './ordering.js';
import { readZipRecords } from '../../test/helpers/osv-zip.js';

const run = promisify(execFile);

/** The folder of osv-scalibr's vector files in shared data. */
export const osvScalibrVectors = join(sharedData, 'versions', 'osv-scalibr');

/** How a vector line relates its two versions. */
export type Op = '<' | '=' | '>';

/** One `A <op> B` line of a vector file, with its 1-based line number. */
export interface Vector {
  a: string;
  op: Op;
  b: string;
  line: number;
}

/** Comment prefixes of most vector files: `#` and `//`. */
export const HASH_AND_SLASH_COMMENTS: readonly string[] = ['#', '//'];
/** Comment prefixes of the vector files read with `#` comments only. */
export const HASH_COMMENTS: readonly string[] = ['#'];

/**
 * Reads the `A <op> B` lines of the vector file at `path`; blank lines and
 * lines starting with one of `commentPrefixes` are skipped. Any other line
 * that is not three blank-separated fields with `<`, `=` or `>` in the
 * middle throws, naming `label` (the path, unless given).
 *
 * @example
 *   readVectorFile(join(sharedData, 'versions', 'osv.dev', 'packagist_test_cases.txt'));
 */
export function readVectorFile(path: string, commentPrefixes: readonly string[] = HASH_AND_SLASH_COMMENTS, label = path): Vector[] {
  const vectors: Vector[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const text = raw.trim();
      if (text === '' || commentPrefixes.some((prefix) => text.startsWith(prefix))) return;
      const parts = text.split(/\s+/);
      const [a, op, b] = parts;
      if (parts.length !== 3 || a === undefined || b === undefined || (op !== '<' && op !== '=' && op !== '>')) {
        throw new StellaError('INTERNAL', `${label}:${i + 1}: cannot read vector "${text}"`);
      }
      vectors.push({ a, op, b, line: i + 1 });
    });
  return vectors;
}

/**
 * Reads the osv-scalibr vector file `file` (a name in {@link osvScalibrVectors});
 * see {@link readVectorFile}.
 *
 * @example
 *   readVectors('pypi-versions.txt');
 *   readVectors('debian-versions.txt', HASH_COMMENTS);
 */
export function readVectors(file: string, commentPrefixes: readonly string[] = HASH_AND_SLASH_COMMENTS): Vector[] {
  return readVectorFile(join(osvScalibrVectors, file), commentPrefixes, file);
}

/** A vector as its line reads, `A <op> B`: the key of the skip lists. */
export function vectorText({ a, op, b }: Vector): string {
  return `${a} ${op} ${b}`;
}

/** The sign of a comparison as an {@link Op}. */
export function opOf(c: number): Op {
  return c < 0 ? '<' : c > 0 ? '>' : '=';
}

/** The op of the same vector read right to left. */
export function mirrorOf(op: Op): Op {
  return op === '<' ? '>' : op === '>' ? '<' : '=';
}

/**
 * Checks every vector both ways round: `a` against `b` must give `op` and
 * `b` against `a` its mirror. Returns one message per vector that fails.
 *
 * @example
 *   expect(vectorFailures(pypiOrdering, readVectors('pypi-versions.txt'))).toEqual([]);
 */
export function vectorFailures(ordering: VersionOrdering, vectors: readonly Vector[]): string[] {
  const failures: string[] = [];
  for (const { a, op, b, line } of vectors) {
    const forward = opOf(ordering.compare(a, b));
    const backward = opOf(ordering.compare(b, a));
    if (forward !== op || backward !== mirrorOf(op)) failures.push(`line ${line}: ${a} ${op} ${b}, got ${forward}`);
  }
  return failures;
}

/** Every JSON record of the OSV zip of `ecosystem` in shared data, one at a time. */
export async function* osvRecords(ecosystem: string): AsyncGenerator<OsvRecord> {
  yield* await readZipRecords(join(sharedData, 'osv', ecosystem, 'all.zip'));
}

/**
 * The versions in the range events of one `affected` entry (introduced,
 * fixed, last_affected, limit); GIT ranges, whose events are commits, are
 * left out unless `includeGit`.
 */
export function eventVersions(affected: OsvAffected, includeGit: boolean): string[] {
  const found: string[] = [];
  for (const range of affected.ranges ?? []) {
    if (!includeGit && range.type === 'GIT') continue;
    for (const event of range.events) {
      for (const v of [event.introduced, event.fixed, event.last_affected, event.limit]) {
        if (v !== undefined) found.push(v);
      }
    }
  }
  return found;
}

/** Which entries and ranges of an OSV zip {@link osvAdvisoryVersions} reads. */
export interface OsvVersionsOptions {
  /**
   * Whether an `affected` entry with this `package.ecosystem` counts. By
   * default the zip's own ecosystem, with or without a `:release` suffix:
   * multi-ecosystem GHSA records list other ecosystems' versions too.
   */
  accepts?: (packageEcosystem: string | undefined) => boolean;
  /** Whether the events of GIT ranges count too (default false). */
  includeGit?: boolean;
}

/**
 * The versions an OSV zip in shared data mentions for `ecosystem`, apart:
 * those of range events and those of `versions` lists, each distinct and sorted.
 *
 * @example
 *   const { events, listed } = await osvAdvisoryVersions('CRAN', { accepts: (e) => e === 'CRAN', includeGit: true });
 */
export async function osvAdvisoryVersions(ecosystem: string, options: OsvVersionsOptions = {}): Promise<{ events: string[]; listed: string[] }> {
  const accepts = options.accepts ?? ((e: string | undefined): boolean => e?.split(':')[0] === ecosystem);
  const events = new Set<string>();
  const listed = new Set<string>();
  for await (const record of osvRecords(ecosystem)) {
    for (const affected of record.affected ?? []) {
      if (!accepts(affected.package?.ecosystem)) continue;
      for (const v of affected.versions ?? []) listed.add(v);
      for (const v of eventVersions(affected, options.includeGit ?? false)) events.add(v);
    }
  }
  return { events: [...events].sort(), listed: [...listed].sort() };
}

/**
 * Every version an OSV zip in shared data lists for `ecosystem` (in range
 * events other than GIT, and in `versions`), distinct and sorted.
 *
 * @example
 *   const versions = await osvVersions('PyPI');
 */
export async function osvVersions(ecosystem: string, options: OsvVersionsOptions = {}): Promise<string[]> {
  const { events, listed } = await osvAdvisoryVersions(ecosystem, options);
  return [...new Set([...events, ...listed])].sort();
}

/**
 * Expects `ordering` to refuse `version` with a VERSION_INVALID error
 * when it is compared with `against` (either side); with `error`, the
 * message of the second comparison must match it.
 */
export function expectRejected(ordering: VersionOrdering, version: string, against: string, error?: RegExp): void {
  let thrown: unknown;
  try {
    ordering.compare(version, against);
  } catch (caught) {
    thrown = caught;
  }
  expect(isStellaError(thrown) && thrown.code, JSON.stringify(version)).toBe('VERSION_INVALID');
  if (error !== undefined) expect(() => ordering.compare(against, version)).toThrow(error);
}

/**
 * Expects `version` to be invalid for `ordering`: `isValid` says no, and
 * comparing it throws VERSION_INVALID (see {@link expectRejected}).
 *
 * @example
 *   expectInvalid(pypiOrdering, '1.0 beta', { error: /not a valid PyPI version/ });
 *   expectInvalid(alpineOrdering, 'v1.0', { against: '1.0-r0' });
 */
export function expectInvalid(ordering: VersionOrdering, version: string, options: { against?: string; error?: RegExp } = {}): void {
  expect(ordering.isValid(version), JSON.stringify(version)).toBe(false);
  expectRejected(ordering, version, options.against ?? '1.0', options.error);
}

/** Deterministic pseudo-random numbers (LCG) in [0, 1), so a failure reproduces. */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** One item of `items`, chosen with `random`; throws on an empty list. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new StellaError('INTERNAL', 'pick from an empty list');
  return item;
}

/**
 * The pairs an oracle is asked to order, in this order: every vector's
 * pair, every pair of `edges` (each with itself too), then `randomPairs`
 * pairs drawn with `lcg(seed)` from the pool of vector and `advisory`
 * versions: pairs across the whole pool, not only the neighbours the
 * vectors list.
 */
export function oraclePairs(options: {
  vectors: readonly Vector[];
  advisory: readonly string[];
  edges: readonly string[];
  seed: number;
  randomPairs: number;
}): [string, string][] {
  const { vectors, advisory, edges, seed, randomPairs } = options;
  const pool = [...new Set([...vectors.flatMap((v) => [v.a, v.b]), ...advisory])];
  const pairs: [string, string][] = vectors.map((v) => [v.a, v.b]);
  for (const a of edges) for (const b of edges) pairs.push([a, b]);
  const random = lcg(seed);
  const draw = (): string => pool[Math.floor(random() * pool.length)] ?? '';
  for (let i = 0; i < randomPairs; i++) pairs.push([draw(), draw()]);
  return pairs;
}

/** Stdin text of one line per item, each ending in a newline. */
export function stdinLines(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

/**
 * Runs an oracle process to completion with `input` on stdin and returns
 * its output lines (blank ends trimmed). Its failure is thrown as is.
 *
 * @example
 *   runOracleSync('ruby', ['-e', ORACLE], stdinLines(questions));
 */
export function runOracleSync(command: string, args: readonly string[], input: string): string[] {
  const stdout = execFileSync(command, args, { input, maxBuffer: 64 << 20 });
  return stdout.toString('utf8').trim().split('\n');
}

/**
 * Runs an oracle process with `input` on stdin and resolves with its
 * output lines (blank ends trimmed); a failure is thrown as an INTERNAL
 * StellaError with `failure` (what failed, and what it needs) as message.
 *
 * @example
 *   await runOracle('php', ['-r', PHP_COMPARE], JSON.stringify(pairs), 'the PHP oracle failed; it needs php');
 */
export async function runOracle(command: string, args: readonly string[], input: string, failure: string): Promise<string[]> {
  const pending = run(command, args, { maxBuffer: 64 << 20 });
  pending.child.stdin?.end(input);
  try {
    const { stdout } = await pending;
    return stdout.trim().split('\n');
  } catch (error) {
    throw new StellaError('INTERNAL', failure, { cause: error });
  }
}
