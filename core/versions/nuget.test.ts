import { describe, expect, it } from 'vitest';
import { nugetOrdering } from './nuget.js';
import { expectInvalid, osvVersions, readVectors, vectorFailures } from './vectors.test-helper.js';

describe('nugetOrdering against the osv-scalibr vectors', () => {
  it('holds every line of nuget-versions.txt, both ways round', () => {
    const vectors = readVectors('nuget-versions.txt');
    expect(vectors.length).toBeGreaterThan(30);
    expect(vectorFailures(nugetOrdering, vectors)).toEqual([]);
  });
});

describe('nugetOrdering over the NuGet advisories', () => {
  it('reads every version in every NuGet record', async () => {
    const versions = await osvVersions('NuGet');
    expect(versions.length).toBeGreaterThan(100);
    expect(versions.filter((v) => !nugetOrdering.isValid(v))).toEqual([]);
  });

  it('orders the advisory versions as a total order', async () => {
    // Sorting and re-comparing every pair catches a comparison that is not
    // antisymmetric or not transitive.
    const versions = (await osvVersions('NuGet')).sort((a, b) => nugetOrdering.compare(a, b));
    for (let i = 0; i < versions.length; i++) {
      for (let j = i; j < versions.length; j++) {
        const a = versions[i] ?? '';
        const b = versions[j] ?? '';
        expect(nugetOrdering.compare(a, b), `${a} vs ${b}`).toBeLessThanOrEqual(0);
        expect(nugetOrdering.compare(b, a) + nugetOrdering.compare(a, b), `${b} vs ${a}`).toBe(0);
      }
    }
  });
});

describe('nugetOrdering rules', () => {
  const c = (a: string, b: string): number => nugetOrdering.compare(a, b);

  it('orders the SemVer 2.0.0 precedence example and a fourth part', () => {
    const chain = [
      '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11',
      '1.0.0-rc.1', '1.0.0', '1.0.0.1-alpha', '1.0.0.1', '1.0.1', '1.1', '2', '10.0.0',
    ];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(c(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(c(chain[i + 1] ?? '', chain[i] ?? '')).toBe(1);
    }
  });

  it('normalises missing parts, leading zeros, label case and metadata', () => {
    const same: [string, string][] = [
      ['1', '1.0.0.0'], ['1.0', '1.0.0'], ['1.00', '1.0'], ['1.01.1', '1.1.1'], ['1.00.0.1', '1.0.0.1'],
      ['1.0.01.0', '1.0.1'], ['1.0.7+r3456', '1.0.7'], ['1.0.0-RC.1', '1.0.0-rc.1'], ['1.0.0-rc.01', '1.0.0-rc.1'],
      ['1.0.0-a+b', '1.0.0-A+C'],
    ];
    for (const [a, b] of same) expect(c(a, b), `${a} = ${b}`).toBe(0);
    expect(c('1.0.0-9', '1.0.0-10')).toBe(-1); // numeric labels numerically
    expect(c('1.0.0-99', '1.0.0-a')).toBe(-1); // and below the others
    expect(c('1.0.0-a-b', '1.0.0-a0')).toBe(-1); // `-` below digits and letters
    expect(c('999999999999999999999999999991', '999999999999999999999999999999')).toBe(-1);
  });

  it('rejects what is not a NuGet version with VERSION_INVALID', () => {
    expect(nugetOrdering.ecosystem).toBe('NuGet');
    const invalid = [
      '', ' ', '1.0 ', 'v1.0', '1.0.0.0.0', '1.', '.1', '1..0', '1.0-', '1.0+', '1.0-a..b', '1.0-a_b', '1.0+a..b',
      '-1.0', 'a', '1.0.0-beta+', '1,0', '1.0.0-béta', '+1.0',
    ];
    for (const v of invalid) expectInvalid(nugetOrdering, v, { error: /not a valid NuGet version/ });
  });
});
