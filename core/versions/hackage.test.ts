import { describe, expect, it } from 'vitest';
import { hackageOrdering } from './hackage.js';
import { HASH_COMMENTS, expectInvalid, readVectors, vectorFailures } from './vectors.test-helper.js';

describe('hackageOrdering against the osv-scalibr vectors', () => {
  it('holds every line of hackage-versions.txt, both ways round', () => {
    const vectors = readVectors('hackage-versions.txt', HASH_COMMENTS);
    expect(vectors.length).toBe(11);
    expect(vectorFailures(hackageOrdering, vectors)).toEqual([]);
  });
});

describe('hackageOrdering rules', () => {
  const c = (a: string, b: string): number => hackageOrdering.compare(a, b);

  it('compares integer lists lexicographically, a prefix first', () => {
    const chain = ['0', '0.0', '0.0.0', '0.1', '0.1.0.0', '0.1.1', '0.2', '0.10', '1', '1.0', '1.0.0', '1.0.0.1', '1.1', '2', '10', '999999999'];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(c(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(c(chain[i + 1] ?? '', chain[i] ?? '')).toBe(1);
    }
    expect(c('1.2.3.4', '1.2.3.4')).toBe(0);
  });

  it('rejects what Cabal does not read as a package version, with VERSION_INVALID', () => {
    const invalid = [
      '', '.', '1.', '.1', '1..2', '01', '1.01', '1.00', '1000000000', '1.1234567890', '1.0-beta', '1.0-1', 'v1.0',
      '1.0a', ' 1.0', '1.0 ', '1_0', '-1', '1.*',
    ];
    for (const v of invalid) expectInvalid(hackageOrdering, v, { error: /not a valid Hackage version/ });
    expect(hackageOrdering.isValid('0.0.0.1')).toBe(true);
    expect(hackageOrdering.isValid('123456789.0')).toBe(true);
    expect(hackageOrdering.ecosystem).toBe('Hackage');
  });
});
