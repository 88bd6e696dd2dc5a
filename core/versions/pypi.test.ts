import { describe, expect, it } from 'vitest';
import { pypiOrdering } from './pypi.js';
import { expectInvalid, opOf, oraclePairs, osvVersions, readVectors, runOracleSync, stdinLines, vectorFailures } from './vectors.test-helper.js';

/**
 * The smallest PEP 440 version: every legacy version sorts below it and
 * every PEP 440 version at or above it, which tells the two kinds apart
 * through the public interface.
 */
const LOWEST_PEP440 = '0.dev0';
const isPep440 = (v: string): boolean => pypiOrdering.compare(v, LOWEST_PEP440) >= 0;

// One python process orders every pair read from stdin (one JSON array
// `["C", a, b]` per line, so blanks inside versions survive):
// the current `packaging` for two PEP 440 versions, and the packaging 21.3
// that pip vendors (the last with LegacyVersion, setuptools' old ordering)
// when either is not PEP 440. `["V", v]` asks whether v is PEP 440.
const ORACLE = String.raw`
import json, sys
from packaging.version import Version, InvalidVersion
from pip._vendor.packaging import version as old
assert hasattr(old, "LegacyVersion"), "pip's vendored packaging has no LegacyVersion"
def pep440(v):
    try:
        return Version(v)
    except InvalidVersion:
        return None
def op(x, y):
    return "<" if x < y else ">" if x > y else "="
out = []
for line in sys.stdin.read().split("\n"):
    if not line:
        continue
    kind, a, *rest = json.loads(line)
    if kind == "V":
        out.append("pep440" if pep440(a) is not None else "legacy")
        continue
    b = rest[0]
    pa, pb = pep440(a), pep440(b)
    if pa is not None and pb is not None:
        out.append(op(pa, pb))
    else:
        out.append(op(old.parse(a), old.parse(b)))
sys.stdout.write("\n".join(out) + "\n")
`;

function runOracle(lines: string[]): string[] {
  return runOracleSync('python3', ['-c', ORACLE], stdinLines(lines));
}

// Spellings PEP 440 normalises, and near misses it refuses.
const EDGE_VERSIONS = [
  '0', '0.0', '0.dev0', '0a0', '1', '1.0', '1.0.0', '1.0.0.0', '01.00', 'v1.0', 'V1.0', ' 1.0 ', '\t1.0\n',
  '1.0a1', '1.0A1', '1.0.a1', '1.0-a1', '1.0_a1', '1.0alpha1', '1.0-alpha.1', '1.0a', '1.0a0', '1.0a.dev1',
  '1.0b1', '1.0beta1', '1.0c1', '1.0rc1', '1.0.RC1', '1.0-rc-1', '1.0pre1', '1.0preview1', '1.0pre', '1.0rc',
  '1.0.post1', '1.0post1', '1.0-post1', '1.0_post1', '1.0.post', '1.0-1', '1.0-0', '1.0.r1', '1.0rev1', '1.0.POST1',
  '1.0.dev1', '1.0dev1', '1.0-dev1', '1.0.dev', '1.0.DEV1', '1.0a1.dev1', '1.0rc1.post1', '1.0.post1.dev1',
  '1.0a1.post1.dev1', '1.0+local', '1.0+LOCAL', '1.0+local.1', '1.0+local-1', '1.0+local_1', '1.0+1', '1.0+01',
  '1.0+a.b', '1.0+1.a', '1!1.0', '01!1.0', '0!1.0', '2!0.1', '1.0.post1+local', '1.0rc1+1', '10', '9', '1.9', '1.10',
  '1.01', '1.1', '99999999999999999999999', '1.0.0.0.0.1', '1.0a9999999999999999999',
  // Not PEP 440: ordered as legacy versions.
  '1.0-bad', '1.0+', '1.0++1', 'v', '1..0', '.1', '1.0.', '!1.0', '1!', 'a1', 'dev', '1.0-final', '1.0beta6.1',
  '2013-02-01T20:50:46+0100', '1.0~1', '1.0_', '1.0+local+', '1.0-post', '1.0-1-1', '1.0constructor',
  '1.0.__proto__', '1.0-constructor1', 'constructor',
];

describe('pypiOrdering against the osv-scalibr vectors', () => {
  for (const file of ['pypi-versions.txt', 'pypi-versions-generated.txt']) {
    it(`holds every line of ${file}, both ways round`, () => {
      const vectors = readVectors(file);
      expect(vectors.length).toBeGreaterThan(file.includes('generated') ? 12_000 : 30);
      expect(vectorFailures(pypiOrdering, vectors)).toEqual([]);
    });
  }
});

describe('pypiOrdering against python packaging', () => {
  it('orders vector, advisory and edge-case pairs as packaging does', async () => {
    const vectors = [...readVectors('pypi-versions.txt'), ...readVectors('pypi-versions-generated.txt')];
    const advisory = await osvVersions('PyPI');
    // Pairs across the whole pool, not only the neighbours the vectors list.
    const pairs = oraclePairs({ vectors, advisory, edges: EDGE_VERSIONS, seed: 440, randomPairs: 10_000 });
    expect(pairs.length).toBeGreaterThan(30_000);

    const expected = runOracle(pairs.map(([a, b]) => JSON.stringify(['C', a, b])));
    expect(expected).toHaveLength(pairs.length);
    const mismatches = pairs
      .map(([a, b], i) => ({ a, b, packaging: expected[i], ours: opOf(pypiOrdering.compare(a, b)) }))
      .filter((r) => r.packaging !== r.ours);
    expect(mismatches).toEqual([]);
    // Both kinds were exercised: legacy pairs and PEP 440 pairs.
    expect(pairs.filter(([a, b]) => !isPep440(a) || !isPep440(b)).length).toBeGreaterThan(1_000);
  });

  it('reads as PEP 440 exactly what packaging reads as PEP 440', async () => {
    const advisory = await osvVersions('PyPI');
    const candidates = [...EDGE_VERSIONS, ...advisory];
    const verdicts = runOracle(candidates.map((v) => JSON.stringify(['V', v])));
    expect(verdicts).toHaveLength(candidates.length);
    const mismatches = candidates
      .map((v, i) => ({ v, packaging: verdicts[i], ours: isPep440(v) ? 'pep440' : 'legacy' }))
      .filter((r) => r.packaging !== r.ours);
    expect(mismatches).toEqual([]);
    expect(verdicts.filter((v) => v === 'legacy').length).toBeGreaterThan(90);
  });
});

describe('pypiOrdering over the PyPI advisories', () => {
  it('reads every version in every PyPI record', async () => {
    const versions = await osvVersions('PyPI');
    expect(versions.length).toBeGreaterThan(12_000);
    expect(versions.filter((v) => !pypiOrdering.isValid(v))).toEqual([]);
    // 77 are not PEP 440 and order as legacy versions: old releases still on
    // PyPI (`0.9-doduo`, `0.3m1`, `2013-02-01T20:50:46+0100`, `trunk`) and
    // two range events, `0.2.0-n653` and `2019-09-12`.
    const legacy = versions.filter((v) => !isPep440(v));
    expect(legacy).toHaveLength(77);
    expect(legacy).toEqual(expect.arrayContaining(['0.2.0-n653', '2019-09-12', '0.9-doduo', 'trunk']));
  });
});

describe('pypiOrdering rules', () => {
  const c = (a: string, b: string): number => pypiOrdering.compare(a, b);

  it('orders the PEP 440 summary of suffixes', () => {
    const chain = [
      '1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456',
      '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5', '1.0.post456.dev34',
      '1.0.post456', '1.0.15', '1.1.dev1',
    ];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(c(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(c(chain[i + 1] ?? '', chain[i] ?? '')).toBe(1);
    }
  });

  it('normalises spellings, case, separators and implicit numbers', () => {
    const same: [string, string][] = [
      ['1.0a1', '1.0.alpha.1'], ['1.0b2', '1.0-BETA_2'], ['1.0rc1', '1.0.RC1'], ['1.0rc1', '1.0c1'],
      ['1.0rc1', '1.0pre1'], ['1.0rc1', '1.0preview1'], ['1.0a0', '1.0a'], ['1.0.post1', '1.0-post1'],
      ['1.0.post1', '1.0-1'], ['1.0.post1', '1.0.rev1'], ['1.0.post1', '1.0r1'], ['1.0.post0', '1.0.post'],
      ['1.0.dev0', '1.0-dev'], ['1.0', 'v1.0'], ['1.0', ' 1.0\n'], ['1.0', '1.0.0.0'], ['1.0', '0!1.0'],
      ['1.01', '1.1'], ['1.0+Ubuntu-1', '1.0+ubuntu.1'], ['1.0+01', '1.0+1'],
    ];
    for (const [a, b] of same) expect(c(a, b), `${a} = ${b}`).toBe(0);
  });

  it('puts the epoch first, compares numbers of any size, and local labels last', () => {
    expect(c('1!0.1', '9.9')).toBe(1);
    expect(c('99999999999999999999999', '99999999999999999999998')).toBe(1);
    expect(c('1.0+local', '1.0')).toBe(1);
    expect(c('1.0+1', '1.0+zzz')).toBe(1); // numbers above words
    expect(c('1.0+local.1', '1.0+local')).toBe(1); // longer above its prefix
    expect(c('1.0+local', '1.0.post1')).toBe(-1);
  });

  it('orders legacy versions below PEP 440 ones, with setuptools rules', () => {
    expect(c('0.9-ivysaur', '0.1')).toBe(-1);
    expect(c('0.9-ivysaur', '0.dev0')).toBe(-1);
    expect(c('0.1-bulbasaur', '0.1-charmander')).toBe(-1);
    expect(c('1.0-final', '1.0-bad')).toBe(1);
    expect(c('trunk', 'a3')).toBe(1);
    // setuptools compared zero-padded numbers as text: 9 digits beat 8 by their first digit only.
    expect(c('x123456789', 'x99999999')).toBe(-1);
    // Words are looked up in maps: names on Object.prototype are plain words.
    expect(c('1.0-constructor', '1.0-constructos')).toBe(-1);
    expect(c('1.0-__proto__', '1.0-__proto_a')).toBe(1); // '*__' after '*_'
  });

  it('rejects what is neither PEP 440 nor a printable legacy version', () => {
    expect(pypiOrdering.ecosystem).toBe('PyPI');
    for (const v of ['', ' ', '1.0 beta', '1.0\u00a0', '1.0é', 'v 1.0', '1.0\u0000', '\n']) {
      expectInvalid(pypiOrdering, v, { error: /not a valid PyPI version/ });
    }
  });
});
