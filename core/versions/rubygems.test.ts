import { describe, expect, it } from 'vitest';
import { rubygemsOrdering } from './rubygems.js';
import {
  type Vector,
  expectInvalid as expectInvalidFor,
  opOf,
  oraclePairs,
  osvVersions,
  readVectors,
  runOracleSync,
  stdinLines,
  vectorFailures,
  vectorText,
} from './vectors.test-helper.js';

function expectInvalid(version: string): void {
  expectInvalidFor(rubygemsOrdering, version, { error: /not a valid RubyGems version/ });
}

// One ruby process (Debian's `ruby`) answers every question read from
// stdin, one JSON array a line: `["C", a, b]` orders a pair with
// Gem::Version#<=>, `["V", v]` asks Gem::Version.correct?.
const ORACLE = String.raw`
require "json"
out = []
STDIN.each_line do |line|
  next if line.strip.empty?
  kind, a, b = JSON.parse(line)
  if kind == "V"
    out << (Gem::Version.correct?(a) ? "valid" : "invalid")
  else
    c = Gem::Version.new(a) <=> Gem::Version.new(b)
    out << (c < 0 ? "<" : c > 0 ? ">" : "=")
  end
end
puts out
`;

function runOracle(lines: string[]): string[] {
  return runOracleSync('ruby', ['-e', ORACLE], stdinLines(lines));
}

// Prereleases, trailing zeros in both parts, hyphens, case, big numbers.
const EDGE_VERSIONS = [
  '0', '0.0', '0.a', '0.0.a', '1', '1.0', '1.0.0', '01', '1.00', '1.a', '1.0.a', '1.a.0', '1.a.0.0', '1.0.a.0',
  '1.a.0.1', '1.0.a.0.1', '1.a1', '1.a.1', '1.a10', '1.a.10', '1.A', '1.B', '1.b', '1.aa', '1.a.a', '1.0.rc1',
  '1.0.RC1', '1.0.rc', '1.0-rc1', '1.0-rc.1', '1.0.pre.rc1', '1.0-1', '1.0-a-b', '1.0.pre', '1.0.0.pre', '1.pre',
  '1.0.beta', '1.0.beta2', '1.0.beta10', '1.0.alpha', '1.0.z', '1.0.1', '1.1', '1.1a', '1.1.a', '1.10', '1.9',
  '2', '2.0.0.0.0', '10', '99999999999999999999', '100000000000000000000', '1.99999999999999999999', ' 1.0',
  '1.0 ', '\t1.0\n', '3.0.0.alpha.5.0.5.1', '3.0.0.alpha.5.0.5', '3.1.0.0.pre', '3.1.0.pre', '1.0.0.rc.1',
];

// Two lines of rubygems-versions.txt use versions Gem::Version refuses
// (`Gem::Version.new("1beta")` raises "Malformed version number string"):
// a letter may only follow a dot or a hyphen. osv-scalibr's parser is
// lenient; RubyGems cannot publish such a version, so they have no order.
const NOT_RUBYGEMS = new Set(['1 > 1beta', '1 > 1gamma']);

function rubygemsVectors(file: string): Vector[] {
  return readVectors(file).filter((v) => !NOT_RUBYGEMS.has(vectorText(v)));
}

describe('rubygemsOrdering against the osv-scalibr vectors', () => {
  for (const file of ['rubygems-versions.txt', 'rubygems-versions-generated.txt']) {
    it(`holds every RubyGems line of ${file}, both ways round`, () => {
      const all = readVectors(file);
      const vectors = rubygemsVectors(file);
      expect(vectors.length).toBe(all.length - (file.includes('generated') ? 0 : NOT_RUBYGEMS.size));
      expect(vectors.length).toBeGreaterThan(file.includes('generated') ? 4_000 : 20);
      expect(vectorFailures(rubygemsOrdering, vectors)).toEqual([]);
    });
  }

  it('skips only lines whose versions Gem::Version refuses', () => {
    const skipped = [...NOT_RUBYGEMS].map((line) => line.split(' ')[2] ?? '');
    expect(runOracle(skipped.map((v) => JSON.stringify(['V', v])))).toEqual(['invalid', 'invalid']);
    for (const v of skipped) expectInvalid(v);
  });
});

describe('rubygemsOrdering against Gem::Version', () => {
  it('orders vector, advisory and edge-case pairs as Gem::Version does', async () => {
    const vectors = [...rubygemsVectors('rubygems-versions.txt'), ...rubygemsVectors('rubygems-versions-generated.txt')];
    const advisory = await osvVersions('RubyGems');
    // Pairs across the whole pool, not only the neighbours the vectors list.
    const pairs = oraclePairs({ vectors, advisory, edges: EDGE_VERSIONS, seed: 18, randomPairs: 10_000 });
    expect(pairs.length).toBeGreaterThan(17_000);

    const expected = runOracle(pairs.map(([a, b]) => JSON.stringify(['C', a, b])));
    expect(expected).toHaveLength(pairs.length);
    const mismatches = pairs
      .map(([a, b], i) => ({ a, b, ruby: expected[i], ours: opOf(rubygemsOrdering.compare(a, b)) }))
      .filter((r) => r.ruby !== r.ours);
    expect(mismatches).toEqual([]);
  });

  it('accepts what Gem::Version accepts, but for blank strings', () => {
    const candidates = [
      ...EDGE_VERSIONS, '1.0.', '.1', '1..0', 'a', 'a1', 'v1.0', '1.0-', '1.0--1', '1.0-a_b', '1.0_1', '1.0+1', '1,0',
      '1.0.-1', '1.0-.1', '1 0', '-1', '1.0\n2', '1.é', '1.0\u0000', '', ' ', '\t\n',
    ];
    const verdicts = runOracle(candidates.map((v) => JSON.stringify(['V', v])));
    expect(verdicts).toHaveLength(candidates.length);
    const mismatches = candidates
      .map((v, i) => ({ v, ruby: verdicts[i], ours: rubygemsOrdering.isValid(v) ? 'valid' : 'invalid' }))
      .filter((r) => r.ruby !== r.ours);
    // Gem::Version reads a blank string as "0"; Stella reports it.
    expect(mismatches).toEqual([
      { v: '', ruby: 'valid', ours: 'invalid' },
      { v: ' ', ruby: 'valid', ours: 'invalid' },
      { v: '\t\n', ruby: 'valid', ours: 'invalid' },
    ]);
    expect(candidates.filter((v) => !rubygemsOrdering.isValid(v)).length).toBeGreaterThan(15);
  });
});

describe('rubygemsOrdering over the RubyGems advisories', () => {
  it('reads every version in every RubyGems record', async () => {
    const versions = await osvVersions('RubyGems');
    expect(versions.length).toBeGreaterThan(300);
    expect(versions.filter((v) => !rubygemsOrdering.isValid(v))).toEqual([]);
  });
});

describe('rubygemsOrdering rules', () => {
  const c = (a: string, b: string): number => rubygemsOrdering.compare(a, b);

  it('puts prereleases below releases and strings below numbers', () => {
    const chain = ['1.0.a', '1.0.a.1', '1.0.a.2', '1.0.b', '1.0.rc1', '1.0', '1.0.1', '1.1.a', '1.1', '1.10'];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(c(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(c(chain[i + 1] ?? '', chain[i] ?? '')).toBe(1);
    }
  });

  it('splits letters from digits, reads hyphens as .pre. and drops trailing zeros', () => {
    const same: [string, string][] = [
      ['1.0.a10', '1.0.a.10'], ['1.0-rc1', '1.0.pre.rc1'], ['1', '1.0.0'], ['1.a.0', '1.a'], ['1.0.a', '1.a'],
      ['01.02', '1.2'], [' 1.0 ', '1'],
    ];
    for (const [a, b] of same) expect(c(a, b), `${a} = ${b}`).toBe(0);
    expect(c('1.a.0.1', '1.a')).toBe(1); // a zero inside the prerelease part stays
    expect(c('1.0.B', '1.0.a')).toBe(-1); // byte order: upper case first
    expect(c('99999999999999999999', '99999999999999999998')).toBe(1);
  });

  it('rejects what Gem::Version refuses, and blank strings, with VERSION_INVALID', () => {
    expect(rubygemsOrdering.ecosystem).toBe('RubyGems');
    for (const v of ['', ' ', 'a', 'v1.0', '1.0.', '1..0', '1.0-', '1.0_1', '1 0', '-1', '1.é']) expectInvalid(v);
  });
});
