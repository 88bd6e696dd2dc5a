import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/helpers/paths.js';
import { packagistOrdering } from './packagist.js';
import {
  type Op,
  expectInvalid,
  lcg,
  opOf,
  osvAdvisoryVersions,
  pick,
  readVectorFile,
  runOracle,
  vectorFailures,
} from './vectors.test-helper.js';

/** Every version an advisory's Packagist entries mention, in events and in `versions`. */
function packagistAdvisoryVersions(): Promise<{ events: string[]; listed: string[] }> {
  return osvAdvisoryVersions('Packagist', { accepts: (ecosystem) => ecosystem === 'Packagist', includeGit: true });
}

// One PHP process for all pairs: JSON in, one `<`, `=` or `>` per line out.
const PHP_COMPARE = [
  '$pairs = json_decode(stream_get_contents(STDIN));',
  'foreach ($pairs as [$a, $b]) { $c = version_compare($a, $b); echo $c < 0 ? "<" : ($c > 0 ? ">" : "="), "\\n"; }',
].join('\n');

function phpOrder(pairs: [string, string][]): Promise<string[]> {
  return runOracle('php', ['-r', PHP_COMPARE], JSON.stringify(pairs), 'the PHP oracle failed; it needs php (Debian package php-cli)');
}

/**
 * What PHP is asked, for a pair OSV orders: PHP has no `v` prefix, so it
 * gets the versions without one.
 */
function forPhp(version: string): string {
  return version.replace(/^[vV](?=[0-9])/, '');
}

/** The three places OSV departs from PHP (see packagist.ts): not for the oracle. */
function phpDiffers(version: string): boolean {
  return version.includes('#') || /[0-9]{19}/.test(version);
}

const SPECIAL = ['dev', 'alpha', 'a', 'beta', 'b', 'RC', 'rc', 'pl', 'p', 'patch', 'pre', 'post', 'stable', 'BETA', 'Alpha', 'foo', 'x'];
const SEPARATORS = ['.', '.', '.', '-', '_', '+', ''];

/** A random version in the shapes Packagist sees, including awkward ones. */
function randomVersion(random: () => number): string {
  let text = random() < 0.15 ? 'v' : '';
  const parts = 1 + Math.floor(random() * 5);
  for (let i = 0; i < parts; i++) {
    if (i > 0) text += pick(random, SEPARATORS);
    if (random() < 0.7 || i === 0) {
      const n = Math.floor(random() * 12);
      text += random() < 0.1 ? `0${n}` : String(n);
    } else {
      text += pick(random, SPECIAL);
    }
  }
  return text;
}

// Special forms against each other, numbers and the end of a version;
// separators, transitions, case, leading zeros.
const EDGE_VERSIONS = [
  '1', '1.0', '1.0.0', '1.00', '1.0.0.0', '1.0-dev', '1.0.dev', '1.0-dev1', '1.0a', '1.0a1', '1.0-alpha', '1.0-alpha1',
  '1.0alpha.1', '1.0b1', '1.0-beta', '1.0-beta.2', '1.0-beta-2', '1.0_beta2', '1.0+beta2', '1.0RC1', '1.0rc1', '1.0-RC',
  '1.0Rc1', '1.0pl1', '1.0p1', '1.0-patch1', '1.0-pre1', '1.0-post1', '1.0-stable', '1.0-BETA1', '1.0-foo', '1.0.x-dev',
  'dev-main', 'dev-master', 'dev-foo', '1.0-dev.1', '1.0.1-dev', '1.0--dev', '1.0.0-beta.1+build', '2', '10', '1.10',
  '1.9', '01.2', '1.02', 'v1.0', 'V1.0', 'v1.0-beta', 'vendor', 'a', 'b', 'x', '1a', '1.0.0a', '1.0.0.a', '1.0-a.1',
];

describe('packagistOrdering against the peer vectors', () => {
  const files = [
    join(sharedData, 'versions', 'osv-scalibr', 'packagist-versions.txt'),
    join(sharedData, 'versions', 'osv-scalibr', 'packagist-versions-generated.txt'),
    join(sharedData, 'versions', 'osv.dev', 'packagist_test_cases.txt'),
  ];
  for (const file of files) {
    it(`holds every line of ${file.slice(sharedData.length + 1)}, both ways round`, () => {
      const vectors = readVectorFile(file);
      expect(vectors.length).toBeGreaterThan(file.includes('generated') ? 10_000 : 80);
      expect(vectorFailures(packagistOrdering, vectors)).toEqual([]);
    });
  }
});

describe('packagistOrdering against PHP version_compare', () => {
  it('orders edge cases, vector pairs, advisory versions and random versions exactly as PHP does', async () => {
    const generated = readVectorFile(join(sharedData, 'versions', 'osv-scalibr', 'packagist-versions-generated.txt'));
    const pool = [...new Set(generated.flatMap((v) => [v.a, v.b]))];
    const { events, listed } = await packagistAdvisoryVersions();
    const random = lcg(20240611);
    const pairs: [string, string][] = [];
    for (const a of EDGE_VERSIONS) for (const b of EDGE_VERSIONS) pairs.push([a, b]);
    for (const v of readVectorFile(join(sharedData, 'versions', 'osv-scalibr', 'packagist-versions.txt'))) pairs.push([v.a, v.b]);
    for (let i = 0; i < 1_000; i++) pairs.push([pick(random, pool), pick(random, pool)]);
    const advisory = [...events, ...listed];
    for (let i = 0; i < 500; i++) pairs.push([pick(random, advisory), pick(random, advisory)]);
    for (let i = 0; i < 1_500; i++) pairs.push([randomVersion(random), randomVersion(random)]);
    const checked = pairs.filter(([a, b]) => !phpDiffers(a) && !phpDiffers(b));
    expect(checked.length).toBeGreaterThan(6_000);
    for (const [a, b] of checked) expect(packagistOrdering.isValid(a) && packagistOrdering.isValid(b), `${a} ${b}`).toBe(true);

    const expected = await phpOrder(checked.map(([a, b]) => [forPhp(a), forPhp(b)]));
    expect(expected).toHaveLength(checked.length);
    const mismatches = checked
      .map(([a, b], i) => ({ a, b, php: expected[i], ours: opOf(packagistOrdering.compare(a, b)) }))
      .filter((r) => r.php !== r.ours);
    expect(mismatches).toEqual([]);
  });

  it('departs from PHP only where OSV does: a v prefix, numbers past 2^63, and #', async () => {
    const departures: [string, string, Op][] = [
      ['v1.0pl1', '1.0', '>'], // PHP reads "v" as an unknown word, below every number
      ['v10', '2', '>'],
      ['999999999999999999999999999991', '999999999999999999999999999999', '<'], // PHP saturates both at 2^63-1
      ['1.2.3.#', '1.2.3', '='], // PHP turns "#" into "." and ends up below
      ['1.2.3.#', '1.2.3.#', '='], // ...even below itself
    ];
    const php = await phpOrder(departures.map(([a, b]) => [a, b]));
    departures.forEach(([a, b, op], i) => {
      expect(opOf(packagistOrdering.compare(a, b)), `${a} ${op} ${b}`).toBe(op);
      expect(php[i], `PHP on ${a} ${b}`).not.toBe(op);
    });
  });
});

describe('packagistOrdering on the Packagist advisories in shared data', () => {
  it('accepts every version the advisories mention', async () => {
    const { events, listed } = await packagistAdvisoryVersions();
    expect(events.length).toBeGreaterThan(5);
    expect(listed.length).toBeGreaterThan(100);
    // None is invalid: all are tagged releases (`1.2.0`, `v3.10.0RC1`, `3.0.0-alpha-3.1`, `2.0a1`).
    expect(events.filter((v) => !packagistOrdering.isValid(v))).toEqual([]);
    expect(listed.filter((v) => !packagistOrdering.isValid(v))).toEqual([]);
  });
});

describe('packagistOrdering rules', () => {
  const c = (a: string, b: string): number => packagistOrdering.compare(a, b);

  it('orders the special forms as PHP documents them', () => {
    const chain = ['1.0-foo', '1.0-dev', '1.0alpha1', '1.0b1', '1.0RC1', '1.0', '1.0pl1'];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(c(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
    }
    expect(c('1.0a1', '1.0alpha1')).toBe(0);
    expect(c('1.0RC1', '1.0rc1')).toBe(0);
    expect(c('1.0pl1', '1.0p1')).toBe(0);
    expect(c('1.0-bedrock', '1.0-beta')).toBe(0); // matched by prefix: "b"
    expect(c('1.0-BETA1', '1.0-dev')).toBe(-1); // case matters: "BETA" is unknown
  });

  it('canonicalises separators and digit/letter transitions', () => {
    expect(c('1.0.0rc2', '1.0.0.rc2')).toBe(0);
    expect(c('1.25.0-beta2.1', '1.25.0-b.2.1')).toBe(0);
    expect(c('1.0_beta+2', '1.0-beta.2')).toBe(0);
    expect(c('1.0--dev', '1.0-dev')).toBe(0);
    expect(c('1.01', '1.1')).toBe(0);
  });

  it('lets the next part decide when one version is longer', () => {
    expect(c('1.0.0', '1.0')).toBe(1); // a further number is newer
    expect(c('1.0-beta', '1.0')).toBe(-1); // a word below "#" is older
    expect(c('1.0-pl', '1.0')).toBe(1); // a word above "#" is newer
    expect(c('1.2.3.#.1', '1.2.3')).toBe(1); // "#" passes the decision on
    expect(c('1.2.3.#.beta', '1.2.3')).toBe(-1);
    expect(c('dev-foo', '0.0.1')).toBe(-1);
  });

  it('compares numbers of any size', () => {
    expect(c('1.99999999999999999999', '1.99999999999999999998')).toBe(1);
    expect(c('1.0000000000000000000000001', '1.1')).toBe(0);
  });

  it('rejects what is not a version with VERSION_INVALID', () => {
    const invalid = [
      '', ' ', ' 1.0', '1.0 ', '1.0 || 2.0', '^1.0', '~1.2', '>=2', '1.*', '1.0.*', '1.0@dev', '*', '-1.0', '.1', '_1',
      '1.0-', '1.0.', '1.0+', 'dev-feature/x', '1.0,2.0', '1.0\n', 'é1', '1.0é',
    ];
    for (const v of invalid) expectInvalid(packagistOrdering, v, { error: /not a valid Packagist version/ });
    expect(packagistOrdering.ecosystem).toBe('Packagist');
  });
});
