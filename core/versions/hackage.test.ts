import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StellaError, isStellaError } from '../errors.js';
import { sharedData } from '../../test/helpers/paths.js';
import { hackageOrdering } from './hackage.js';

type Op = '<' | '=' | '>';

/** `A <op> B` lines; blank lines and `#` comments skipped. */
function readVectors(file: string): { a: string; op: Op; b: string; line: number }[] {
  const vectors: { a: string; op: Op; b: string; line: number }[] = [];
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

describe('hackageOrdering against the osv-scalibr vectors', () => {
  it('holds every line of hackage-versions.txt, both ways round', () => {
    const vectors = readVectors('hackage-versions.txt');
    expect(vectors.length).toBe(11);
    const failures: string[] = [];
    for (const { a, op, b, line } of vectors) {
      const mirrored: Op = op === '<' ? '>' : op === '>' ? '<' : '=';
      const forward = opOf(hackageOrdering.compare(a, b));
      if (forward !== op || opOf(hackageOrdering.compare(b, a)) !== mirrored) failures.push(`line ${line}: got ${forward}`);
    }
    expect(failures).toEqual([]);
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
    for (const v of invalid) {
      expect(hackageOrdering.isValid(v), v).toBe(false);
      let thrown: unknown;
      try {
        c(v, '1.0');
      } catch (error) {
        thrown = error;
      }
      expect(isStellaError(thrown) && thrown.code, v).toBe('VERSION_INVALID');
      expect(() => c('1.0', v)).toThrow(/not a valid Hackage version/);
    }
    expect(hackageOrdering.isValid('0.0.0.1')).toBe(true);
    expect(hackageOrdering.isValid('123456789.0')).toBe(true);
    expect(hackageOrdering.ecosystem).toBe('Hackage');
  });
});
