import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mavenOrdering } from './maven.js';
import { expectInvalid, opOf, oraclePairs, osvVersions, readVectors, runOracleSync, stdinLines, vectorFailures } from './vectors.test-helper.js';

// Maven's own ComparableVersion, from Debian's libmaven3-core-java (the jar
// Debian's `maven` runs on), ordering one tab-separated pair per stdin line.
const MAVEN_ARTIFACT_JAR = '/usr/share/java/maven-artifact-3.x.jar';
const ORACLE_SOURCE = `
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenOracle {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    StringBuilder out = new StringBuilder();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isEmpty()) continue;
      int tab = line.indexOf('\\t');
      int c = new ComparableVersion(line.substring(0, tab)).compareTo(new ComparableVersion(line.substring(tab + 1)));
      out.append(c < 0 ? '<' : c > 0 ? '>' : '=').append('\\n');
    }
    System.out.print(out);
  }
}
`;
const oracleDir = mkdtempSync(join(tmpdir(), 'stella-maven-oracle-'));
afterAll(() => rmSync(oracleDir, { recursive: true, force: true }));

/** Orders every pair with Maven itself (java runs the source file directly). */
function mavenOrder(pairs: [string, string][]): string[] {
  const source = join(oracleDir, 'MavenOracle.java');
  writeFileSync(source, ORACLE_SOURCE);
  return runOracleSync('java', ['-cp', MAVEN_ARTIFACT_JAR, source], stdinLines(pairs.map(([a, b]) => `${a}\t${b}`)));
}

// Separators, transitions, aliases, short forms, case, trailing nulls,
// numbers past int and long, unknown qualifiers, `sp`.
const EDGE_VERSIONS = [
  '0', '0.0', '00', '1', '1.0', '1.0.0', '01', '1.', '1-', '.1', '-1', '1..1', '1--1', '1.-1', '1-.1', '1.0-0',
  '1-0.1', '1-0-1', '1.0-1', '1-1', '1.1', '1-1-1', '1.1-1', '1-1.1', '1a', '1a1', '1-a1', '1.a1', '1-a', '1.a',
  '1a-1', '1alpha', '1-alpha', '1-alpha-1', '1-alpha.1', '1-alpha1', '1b1', '1-beta', '1m1', '1-milestone-1',
  '1-rc', '1-rc1', '1-cr1', '1-RC1', '1.0.RC1', '1.0-rc-1', '1-snapshot', '1-SNAPSHOT', '1.0-SNAPSHOT',
  '1-ga', '1-final', '1.Final', '1.0.0.Final', '1-release', '1.RELEASE', '1-sp', '1-sp1', '1.sp', '1-foo', '1-foo1',
  '1.foo', '1foo', '1-bar', '1-a-b', '1-1-foo', '1-x', '1-z', '1-0foo', '1-abc', '1-alpha-snapshot', '1-ga-1',
  '1.0.0-ga-0', '2', '2.0', '2.0.1', '2.0-1', '2.0.1-xyz', '2.0.1-123', '10', '9', '1.9', '1.10', '2147483647',
  '2147483648', '9999999999', '99999999999999999999', '100000000000000000000', '1.2147483648', '1-9223372036854775808',
  '1.0.0-2021-05-17T01-01-51-5ec03a8b', '1_0', '1+1', '1.0+build', 'a', 'A', 'alpha', 'sp', 'ga', '1-!', '1~1',
  '1-constructor', '1-constructor1', '1.__proto__', '1-__proto__1', '1-hasownproperty', '1-tostring',
];

describe('mavenOrdering against the osv-scalibr vectors', () => {
  for (const file of ['maven-versions.txt', 'maven-versions-generated.txt']) {
    it(`holds every line of ${file}, both ways round`, () => {
      const vectors = readVectors(file);
      expect(vectors.length).toBeGreaterThan(file.includes('generated') ? 14_000 : 90);
      expect(vectorFailures(mavenOrdering, vectors)).toEqual([]);
    });
  }
});

/**
 * The version cut as the spec cuts it: each token with the separator before
 * it (`^` at the start, `.`, `-`, or `~` for a switch between digits and
 * letters).
 */
function specTokens(version: string): { sep: string; text: string }[] {
  const text = version.toLowerCase();
  const tokens: { sep: string; text: string }[] = [];
  let sep = '^';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '.' || c === '-') {
      tokens.push({ sep, text: text.slice(start, i) });
      sep = c;
      start = i + 1;
    } else if (i > start && /[0-9]/.test(c) !== /[0-9]/.test(text.charAt(i - 1))) {
      tokens.push({ sep, text: text.slice(start, i) });
      sep = '~';
      start = i;
    }
  }
  if (start < text.length) tokens.push({ sep, text: text.slice(start) });
  return tokens;
}

const isNullToken = (t: string): boolean => /^0*$/.test(t) || t === 'ga' || t === 'final' || t === 'release';
const opensList = (sep: string | undefined): boolean => sep === '-' || sep === '~';

/**
 * Maven 3.8.7 reads a qualifier after a dot that ends the version or runs
 * into digits (`1.0.RC1`, `1.foo`) as if a hyphen stood before it
 * (MNG-7559): the spec, the osv-scalibr vectors and Maven before 3.8.7 keep
 * `.qualifier` below `-qualifier` (`1.5.9.RC1` < `1.5.9-RC0`).
 */
function hasDotQualifier(version: string): boolean {
  const tokens = specTokens(version);
  return tokens.some((t, i) => t.sep === '.' && /^[^0-9]/.test(t.text) && (i + 1 === tokens.length || tokens[i + 1]?.sep === '~'));
}

/**
 * Maven nests what follows a hyphen after a null-only hyphen part
 * (`1-ga-1` is `[1, [[1]]]`); the spec trims nulls "at each remaining
 * hyphen", so `1-ga-1` = `1-0-1` = `1-1`, as the vectors require.
 */
function hasNullHyphenPart(version: string): boolean {
  const tokens = specTokens(version);
  for (let i = 0; i < tokens.length; i++) {
    if (!opensList(tokens[i]?.sep)) continue;
    let j = i;
    while (j < tokens.length && (j === i || tokens[j]?.sep === '.') && isNullToken(tokens[j]?.text ?? '')) j++;
    if (j < tokens.length && j > i && opensList(tokens[j]?.sep)) return true;
  }
  return false;
}

const divergesFromMaven387 = (v: string): boolean => hasDotQualifier(v) || hasNullHyphenPart(v);

describe('mavenOrdering against Maven ComparableVersion (3.8.7)', () => {
  it('orders vector, advisory and edge-case pairs as Maven does, but for two documented divergences', async () => {
    const vectors = [...readVectors('maven-versions.txt'), ...readVectors('maven-versions-generated.txt')];
    const advisory = await osvVersions('Maven');
    // Pairs across the whole pool, not only the neighbours the vectors list.
    const pairs = oraclePairs({ vectors, advisory, edges: EDGE_VERSIONS, seed: 387, randomPairs: 10_000 });

    const expected = mavenOrder(pairs);
    expect(expected).toHaveLength(pairs.length);
    const results = pairs.map(([a, b], i) => ({ a, b, maven: expected[i], ours: opOf(mavenOrdering.compare(a, b)) }));
    const comparable = results.filter((r) => !divergesFromMaven387(r.a) && !divergesFromMaven387(r.b));
    expect(comparable.length).toBeGreaterThan(22_000);
    expect(comparable.filter((r) => r.maven !== r.ours)).toEqual([]);
    // The divergences are real (the filter is not hiding agreement), and
    // confined to pairs the two predicates name.
    expect(results.filter((r) => r.maven !== r.ours).length).toBeGreaterThan(100);
  });

  it('diverges from Maven 3.8.7 where the spec and the vectors say so', () => {
    const c = (a: string, b: string): number => mavenOrdering.compare(a, b);
    // Maven 3.8.7: 1-ga-1 < 1-1 and 1-0-1 < 1-1.
    expect(c('1-ga-1', '1-1')).toBe(0);
    expect(c('1-0-1', '1-1')).toBe(0);
    expect(c('1-sp-1', '1-ga-1')).toBe(-1);
    // Maven 3.8.7: 1.0.RC1 = 1-RC1, 1.5.9.RC1 > 1.5.9-RC0, 6.1.12.rc5 > 6.1.12rc1.
    expect(c('1.0.RC1', '1-RC1')).toBe(1); // `.0` is not trailing, and a number beats a sub-list
    expect(c('1.5.9.RC1', '1.5.9-RC0')).toBe(-1);
    expect(c('6.1.12.rc5', '6.1.12rc1')).toBe(-1);
    for (const v of ['1-ga-1', '1-0-1', '1.0.RC1', '1.foo', '1-0foo']) expect(divergesFromMaven387(v), v).toBe(true);
    for (const v of ['1-1', '1.0-1', '1.foo.2', '1-foo', '1-0.1', '1.0a1']) expect(divergesFromMaven387(v), v).toBe(false);
  });
});

describe('mavenOrdering over the Maven advisories', () => {
  it('reads every version in every Maven record', async () => {
    const versions = await osvVersions('Maven');
    expect(versions.length).toBeGreaterThan(4_000);
    expect(versions.filter((v) => !mavenOrdering.isValid(v))).toEqual([]);
  });
});

describe('mavenOrdering rules', () => {
  const c = (a: string, b: string): number => mavenOrdering.compare(a, b);

  it('ranks the known qualifiers, then unknown ones alphabetically', () => {
    const chain = [
      '1-alpha', '1-alpha-1', '1-beta-1', '1-milestone-1', '1-rc-1', '1-snapshot', '1', '1-sp', '1-sp1', '1-abc',
      '1-xyz', '1-1', '1.1',
    ];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(c(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(c(chain[i + 1] ?? '', chain[i] ?? '')).toBe(1);
    }
  });

  it('reads aliases, short forms, case and trailing nulls', () => {
    const same: [string, string][] = [
      ['1', '1.0.0'], ['1', '1-0'], ['1', '1.ga'], ['1', '1-FINAL'], ['1', '1.release'], ['1-cr1', '1-rc1'],
      ['1a1', '1-alpha-1'], ['1b2', '1-beta-2'], ['1m3', '1-milestone-3'], ['1.0-SNAPSHOT', '1-snapshot'],
      ['1.0-1', '1-1'], ['1.01', '1.1'], ['1.', '1'], ['1-', '1'], ['1x', '1-x'],
    ];
    for (const [a, b] of same) expect(c(a, b), `${a} = ${b}`).toBe(0);
    expect(c('1a', '1-alpha')).toBe(1); // `a` means alpha only when a digit follows
    // Words are looked up in maps: names on Object.prototype are plain words.
    expect(c('1-constructor', '1-constructos')).toBe(-1);
    expect(c('1-constructor1', '1-constructos1')).toBe(-1);
    expect(c('1-__proto__', '1-__proto_a')).toBe(-1);
  });

  it('compares numbers of any size exactly', () => {
    expect(c('99999999999999999999', '100000000000000000000')).toBe(-1);
    expect(c('2147483648', '2147483647')).toBe(1);
    expect(c('1.9223372036854775808', '1.9223372036854775807')).toBe(1);
  });

  it('rejects what is not printable ASCII without blanks', () => {
    expect(mavenOrdering.ecosystem).toBe('Maven');
    for (const v of ['', ' ', '1.0 ', '1 0', '1.0\t', '1.0\n', '1.é', '١', '\u0000']) {
      expectInvalid(mavenOrdering, v, { error: /not a valid Maven version/ });
    }
  });
});
