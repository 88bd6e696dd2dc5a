import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dpkgOrdering, ubuntuOrdering } from './dpkg.js';
import { HASH_COMMENTS, expectInvalid, lcg, opOf, readVectors, vectorFailures } from './vectors.test-helper.js';

const run = promisify(execFile);

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Asks the real dpkg for the order of every pair: one `sh -c` per chunk
 * running one `dpkg --compare-versions` (rarely three) per pair, two chunks
 * at a time, one output line per pair.
 */
async function dpkgOrder(pairs: [string, string][]): Promise<string[]> {
  const script = (chunk: [string, string][]): string =>
    [
      'c() { if dpkg --compare-versions "$1" lt "$2"; then echo "<"; elif dpkg --compare-versions "$1" eq "$2"; then echo "=";',
      'elif dpkg --compare-versions "$1" gt "$2"; then echo ">"; else echo "?"; fi; }',
      ...chunk.map(([a, b]) => `c ${quote(a)} ${quote(b)}`),
    ].join('\n');
  const chunkSize = Math.ceil(pairs.length / 4);
  const chunks: [string, string][][] = [];
  for (let i = 0; i < pairs.length; i += chunkSize) chunks.push(pairs.slice(i, i + chunkSize));
  const results: string[][] = [];
  // Two cores here: two shells at a time keep both busy.
  for (let i = 0; i < chunks.length; i += 2) {
    const batch = chunks.slice(i, i + 2).map(async (chunk) => {
      const { stdout } = await run('sh', ['-c', script(chunk)], { maxBuffer: 16 << 20 });
      return stdout.trim().split('\n');
    });
    results.push(...(await Promise.all(batch)));
  }
  return results.flat();
}

// Epochs, `~` (below even the end of a string), `+`, letters against
// non-letters, digit runs with leading zeros, revisions, hyphens inside the
// upstream version, colons inside it, and blanks dpkg trims.
const EDGE_VERSIONS = [
  '0', '0~', '0~~', '0~a', '0a', '0.0', '00', '1', '1.0', '1.0-0', '1.0-00', '1.0-1', '1.0-1~', '1.0~rc1',
  '1.0~rc1-1', '1.0+dfsg', '1.0+dfsg-1', '1.0.0', '1.0a', '1.0A', '1.0.', '1.0..1', '1.0+', '1.0+~', '1.0~+',
  '1.01', '1.001', '1.1', '1.0-01', '1.0-a', '1.0-A', '1.0-1.', '1.0-1-2', '1.0-0ubuntu1', '1.0-1+deb12u1',
  '1.0-1~deb12u1', '1:0.9', '0:1.0', '1:1.0', '+1:1.0', '00:1.0', '2:0', '1:1.0:1', '2147483647:0', '9', '10',
  ' 1.0', '1.0 ',
];

describe('dpkgOrdering against the osv-scalibr vectors', () => {
  for (const file of ['debian-versions.txt', 'debian-versions-generated.txt']) {
    it(`holds every line of ${file}, both ways round`, () => {
      const vectors = readVectors(file, HASH_COMMENTS);
      expect(vectors.length).toBeGreaterThan(file.includes('generated') ? 14_000 : 20);
      expect(vectorFailures(dpkgOrdering, vectors)).toEqual([]);
    });
  }
});

describe('dpkgOrdering against dpkg --compare-versions', () => {
  it('orders edge cases and sampled vector pairs exactly as dpkg does', async () => {
    const hand = readVectors('debian-versions.txt', HASH_COMMENTS);
    const generated = readVectors('debian-versions-generated.txt', HASH_COMMENTS);
    const pairs: [string, string][] = [];
    for (let i = 0; i < EDGE_VERSIONS.length; i++) {
      for (let j = i + 1; j < EDGE_VERSIONS.length; j++) pairs.push([EDGE_VERSIONS[i] ?? '', EDGE_VERSIONS[j] ?? '']);
    }
    for (const v of hand) pairs.push([v.a, v.b]);
    const step = Math.floor(generated.length / 150);
    for (let i = 0; i < generated.length; i += step) {
      const v = generated[i];
      if (v !== undefined) pairs.push([v.a, v.b]);
    }
    // Pairs across the whole file, not only the neighbours it lists.
    const pool = [...new Set(generated.flatMap((v) => [v.a, v.b]))];
    const random = lcg(20240611);
    for (let i = 0; i < 150; i++) {
      pairs.push([pool[Math.floor(random() * pool.length)] ?? '', pool[Math.floor(random() * pool.length)] ?? '']);
    }
    expect(pairs.length).toBeGreaterThan(1_000);

    const expected = await dpkgOrder(pairs);
    expect(expected).toHaveLength(pairs.length);
    const mismatches = pairs
      .map(([a, b], i) => ({ a, b, dpkg: expected[i], ours: opOf(dpkgOrdering.compare(a, b)) }))
      .filter((r) => r.dpkg !== r.ours);
    expect(mismatches).toEqual([]);
  });

  it('accepts and rejects what dpkg accepts and rejects', async () => {
    // dpkg reports bad syntax as an error or a warning on stderr; either
    // one means the version is invalid. (Arguments starting with `-` would
    // be read as options, and an empty one as "no version": see the unit
    // test below for those.)
    const candidates = [
      ...EDGE_VERSIONS,
      'a1.0', '1.0_1', '1.0-', ':1.0', 'a:1.0', '1:', '1.0 2', '1:-1', '99999999999:1', '2147483648:1',
      '2:1.0-a:b', '1.0-1:2', '1:2:3', '1.0-a_b', '1.0\t', '\t1.0', '1.0\n', '1.0 \n', '1.0\r', ' \t1.0\t ', '1:1.0 ', 'ä1', '1.0ä', '1.0@',
      '1.0-1-', '1.0--1', '1:a', '1:~1', '1:+1', '1.0-~', '1.0-+', '1.0-.', 'x:1', '1x:1', '1 :1',
    ];
    const script = candidates
      .map((v, i) => `if dpkg --compare-versions ${quote(v)} eq ${quote(v)} 2>&1 | grep -q 'bad syntax'; then echo "${i} bad"; else echo "${i} ok"; fi`)
      .join('\n');
    const { stdout } = await run('sh', ['-c', script], { maxBuffer: 16 << 20 });
    const verdicts = stdout.trim().split('\n');
    expect(verdicts).toHaveLength(candidates.length);
    const mismatches = candidates
      .map((v, i) => ({ v, dpkgValid: verdicts[i] === `${i} ok`, ours: dpkgOrdering.isValid(v) }))
      .filter((r) => r.dpkgValid !== r.ours);
    expect(mismatches).toEqual([]);
    // The list must exercise both answers.
    expect(candidates.filter((v) => dpkgOrdering.isValid(v)).length).toBeGreaterThan(40);
    expect(candidates.filter((v) => !dpkgOrdering.isValid(v)).length).toBeGreaterThan(25);
  });
});

describe('dpkgOrdering rules', () => {
  it('applies the rules dpkg documents', () => {
    const c = (a: string, b: string): number => dpkgOrdering.compare(a, b);
    expect(c('1.0~rc1', '1.0')).toBe(-1); // `~` before the end of the string
    expect(c('1.0~~', '1.0~')).toBe(-1);
    expect(c('1.0a', '1.0+')).toBe(-1); // letters before non-letters
    expect(c('1.0', '1.0a')).toBe(-1);
    expect(c('1.9', '1.10')).toBe(-1); // digit runs numerically
    expect(c('1.001', '1.1')).toBe(0);
    expect(c('1:0.1', '9.9')).toBe(1); // epoch first
    expect(c('0:1.0', '1.0')).toBe(0);
    expect(c('1.0', '1.0-0')).toBe(0); // missing revision equals "0"
    expect(c('1.0-1', '1.0-1+deb12u1')).toBe(-1);
    expect(c('1.0-1~deb12u1', '1.0-1')).toBe(-1);
    expect(c('1.0-1-2', '1.0-1-10')).toBe(-1); // the last hyphen starts the revision
    expect(c('1' + '0'.repeat(40), '9' + '9'.repeat(39))).toBe(1); // no integer overflow
  });

  it('is the same ordering for Ubuntu', () => {
    expect(ubuntuOrdering.ecosystem).toBe('Ubuntu');
    expect(dpkgOrdering.ecosystem).toBe('Debian');
    expect(ubuntuOrdering.compare('2.7.4-13ubuntu1', '2.7.4-13+deb9u1')).toBe(-1);
  });

  it('rejects invalid versions with VERSION_INVALID', () => {
    const invalid = ['', ' ', 'a1.0', '1.0_1', '1.0-', ':1.0', 'a:1.0', '-1:1.0', '1:', '1.0 2', '1:-1', '-1', '2147483648:1', '1.0-a:b', '1.0-1:2'];
    for (const v of invalid) expectInvalid(dpkgOrdering, v, { error: /not a valid Debian/ });
    // strtol reads "-0" as zero, which dpkg accepts.
    expect(dpkgOrdering.compare('-0:1.0', '1.0')).toBe(0);
  });
});
