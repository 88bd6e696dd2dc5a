import { describe, expect, it } from 'vitest';
import { cranOrdering } from './cran.js';
import {
  HASH_COMMENTS,
  expectRejected,
  lcg,
  opOf,
  osvAdvisoryVersions,
  readVectors,
  runOracle,
  stdinLines,
  vectorFailures,
} from './vectors.test-helper.js';

/** Every version the CRAN advisories in shared data mention, in events and in `versions`. */
function cranAdvisoryVersions(): Promise<{ events: string[]; listed: string[] }> {
  return osvAdvisoryVersions('CRAN', { accepts: (ecosystem) => ecosystem === 'CRAN', includeGit: true });
}

/** Runs one Rscript over lines on stdin and returns its output lines. */
function rscript(code: string, lines: string[]): Promise<string[]> {
  return runOracle('Rscript', ['--vanilla', '-e', code], stdinLines(lines), 'the R oracle failed; it needs Rscript (Debian package r-base-core)');
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
      const vectors = readVectors(file, HASH_COMMENTS);
      expect(vectors.length).toBeGreaterThan(20);
      expect(vectorFailures(cranOrdering, vectors)).toEqual([]);
    });
  }
});

describe('cranOrdering against R', () => {
  it('orders vector pairs, every pair of advisory versions and random versions as compareVersion does', async () => {
    const { events, listed } = await cranAdvisoryVersions();
    const advisory = [...new Set([...events, ...listed])];
    const pairs: [string, string][] = [];
    for (const file of ['cran-versions.txt', 'cran-versions-generated.txt']) {
      for (const v of readVectors(file, HASH_COMMENTS)) pairs.push([v.a, v.b]);
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
      expectRejected(cranOrdering, v, '1.0', /not a valid CRAN version/);
    }
    expect(cranOrdering.ecosystem).toBe('CRAN');
  });
});
