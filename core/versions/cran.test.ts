import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { StellaError, isStellaError } from '../errors.js';
import type { OsvRecord } from '../model/osv.js';
import { sharedData } from '../../test/helpers/paths.js';
import { cranOrdering } from './cran.js';

const run = promisify(execFile);

type Op = '<' | '=' | '>';
interface Vector {
  a: string;
  op: Op;
  b: string;
  line: number;
}

/** `A <op> B` lines; blank lines and `#` comments skipped. */
function readVectors(file: string): Vector[] {
  const vectors: Vector[] = [];
  readFileSync(join(sharedData, 'versions', 'osv-scalibr', file), 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const text = raw.trim();
      if (text === '' || text.startsWith('#')) return;
      const parts = text.split(/\s+/);
      const [a, op, b] = parts;
      if (parts.length !== 3 || a === undefined || b === undefined || (op !== '<' && op !== '=' && op !== '>')) {
        throw new StellaError('INTERNAL', `${file}:${i + 1}: cannot read vector "${text}"`);
      }
      vectors.push({ a, op, b, line: i + 1 });
    });
  return vectors;
}

function opOf(c: number): Op {
  return c < 0 ? '<' : c > 0 ? '>' : '=';
}

/** Deterministic pseudo-random numbers (LCG), so a failure reproduces. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Every version the CRAN advisories in shared data mention, in events and in `versions`. */
async function cranAdvisoryVersions(): Promise<{ events: string[]; listed: string[] }> {
  const zip = await yauzl.openPromise(join(sharedData, 'osv', 'CRAN', 'all.zip'));
  const events = new Set<string>();
  const listed = new Set<string>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (!entry.fileName.endsWith('.json')) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      const record = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OsvRecord;
      for (const affected of record.affected ?? []) {
        if (affected.package?.ecosystem !== 'CRAN') continue;
        for (const v of affected.versions ?? []) listed.add(v);
        for (const range of affected.ranges ?? []) {
          for (const event of range.events) {
            for (const v of [event.introduced, event.fixed, event.last_affected, event.limit]) {
              if (v !== undefined) events.add(v);
            }
          }
        }
      }
    }
  } finally {
    zip.close();
  }
  return { events: [...events].sort(), listed: [...listed].sort() };
}

/** Runs one Rscript over lines on stdin and returns its output lines. */
async function rscript(code: string, lines: string[]): Promise<string[]> {
  const pending = run('Rscript', ['--vanilla', '-e', code], { maxBuffer: 64 << 20 });
  pending.child.stdin?.end(`${lines.join('\n')}\n`);
  try {
    const { stdout } = await pending;
    return stdout.trim().split('\n');
  } catch (error) {
    throw new StellaError('INTERNAL', 'the R oracle failed; it needs Rscript (Debian package r-base-core)', { cause: error });
  }
}

// One R process for all pairs: "a<TAB>b" lines in, compareVersion's sign out.
const R_COMPARE = [
  'for (line in readLines(file("stdin"))) {',
  '  ab <- strsplit(line, "\\t", fixed = TRUE)[[1L]]',
  '  c <- compareVersion(ab[1L], ab[2L])',
  '  cat(if (c < 0) "<" else if (c > 0) ">" else "=", "\\n", sep = "")',
  '}',
].join('\n');

// Valid when numeric_version reads it and no component overflowed to NA.
const R_VALID = [
  'for (x in readLines(file("stdin"))) {',
  '  v <- suppressWarnings(numeric_version(x, strict = FALSE))',
  '  cat(if (!is.na(v) && !anyNA(unclass(v)[[1L]])) "ok" else "bad", "\\n", sep = "")',
  '}',
].join('\n');

function randomVersion(random: () => number): string {
  const parts = 1 + Math.floor(random() * 5);
  let text = '';
  for (let i = 0; i < parts; i++) {
    if (i > 0) text += random() < 0.7 ? '.' : '-';
    const n = Math.floor(random() * 12);
    text += random() < 0.1 ? `0${n}` : random() < 0.03 ? '2147483647' : String(n);
  }
  return text;
}

describe('cranOrdering against the osv-scalibr vectors', () => {
  for (const file of ['cran-versions.txt', 'cran-versions-generated.txt']) {
    it(`holds every line of ${file}, both ways round`, () => {
      const vectors = readVectors(file);
      expect(vectors.length).toBeGreaterThan(20);
      const failures: string[] = [];
      for (const { a, op, b, line } of vectors) {
        const mirrored: Op = op === '<' ? '>' : op === '>' ? '<' : '=';
        const forward = opOf(cranOrdering.compare(a, b));
        if (forward !== op || opOf(cranOrdering.compare(b, a)) !== mirrored) failures.push(`line ${line}: got ${forward}`);
      }
      expect(failures).toEqual([]);
    });
  }
});

describe('cranOrdering against R', () => {
  it('orders vector pairs, every pair of advisory versions and random versions as compareVersion does', async () => {
    const { events, listed } = await cranAdvisoryVersions();
    const advisory = [...new Set([...events, ...listed])];
    const pairs: [string, string][] = [];
    for (const file of ['cran-versions.txt', 'cran-versions-generated.txt']) {
      for (const v of readVectors(file)) pairs.push([v.a, v.b]);
    }
    for (const a of advisory) for (const b of advisory) pairs.push([a, b]);
    const random = lcg(20240611);
    for (let i = 0; i < 2_000; i++) pairs.push([randomVersion(random), randomVersion(random)]);
    expect(pairs.length).toBeGreaterThan(12_000);

    const expected = await rscript(R_COMPARE, pairs.map(([a, b]) => `${a}\t${b}`));
    expect(expected).toHaveLength(pairs.length);
    const mismatches = pairs
      .map(([a, b], i) => ({ a, b, r: expected[i], ours: opOf(cranOrdering.compare(a, b)) }))
      .filter((x) => x.r !== x.ours);
    expect(mismatches).toEqual([]);
  });

  it('accepts and rejects what numeric_version accepts and rejects', async () => {
    const candidates = [
      '0', '1', '1.0', '1-0', '0.1-3', '01.002', '1.2.3.4.5.6', '2147483647', '2147483647.1', '2147483648', '1.2147483648',
      '99999999999', '', ' 1.0', '1.0 ', '1..0', '1.0.', '.1', '-1', '1.0-', '1--0', '1_0', '1.0a', 'a', 'v1.0', '1,0',
      '1.0\t', '+1', '1.+1', '١.٢',
    ];
    const verdicts = await rscript(R_VALID, candidates);
    expect(verdicts).toHaveLength(candidates.length);
    const mismatches = candidates
      .map((v, i) => ({ v, r: verdicts[i] === 'ok', ours: cranOrdering.isValid(v) }))
      .filter((x) => x.r !== x.ours);
    expect(mismatches).toEqual([]);
    expect(candidates.filter((v) => cranOrdering.isValid(v)).length).toBeGreaterThan(8);
    expect(candidates.filter((v) => !cranOrdering.isValid(v)).length).toBeGreaterThan(15);
  });
});

describe('cranOrdering on the CRAN advisories in shared data', () => {
  it('accepts every version the advisories mention', async () => {
    const { events, listed } = await cranAdvisoryVersions();
    expect(events.length).toBeGreaterThan(15);
    expect(listed.length).toBeGreaterThan(80);
    expect(events.filter((v) => !cranOrdering.isValid(v))).toEqual([]);
    expect(listed.filter((v) => !cranOrdering.isValid(v))).toEqual([]);
  });
});

describe('cranOrdering rules', () => {
  const c = (a: string, b: string): number => cranOrdering.compare(a, b);

  it('compares integer lists, "-" and "." alike, the longer list newer', () => {
    expect(c('1.0-0', '1.0.0')).toBe(0);
    expect(c('0.01', '0.1')).toBe(0);
    expect(c('0.9', '0.75')).toBe(-1);
    expect(c('1.8', '1.8.0')).toBe(-1);
    expect(c('0.3.2.0', '0.3.2')).toBe(1);
    expect(c('1.10', '1.9')).toBe(1);
    expect(c('2147483647', '2147483646.9')).toBe(1);
  });

  it('rejects invalid versions with VERSION_INVALID', () => {
    for (const v of ['', '1.0a', 'v1', '1..0', '1.0-', '2147483648', ' 1']) {
      let thrown: unknown;
      try {
        c(v, '1.0');
      } catch (error) {
        thrown = error;
      }
      expect(isStellaError(thrown) && thrown.code, v).toBe('VERSION_INVALID');
      expect(() => c('1.0', v)).toThrow(/not a valid CRAN version/);
    }
    expect(cranOrdering.ecosystem).toBe('CRAN');
  });
});
