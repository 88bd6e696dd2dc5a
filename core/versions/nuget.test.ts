import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { StellaError, isStellaError } from '../errors.js';
import type { OsvRecord } from '../model/osv.js';
import { sharedData } from '../../test/helpers/paths.js';
import { nugetOrdering } from './nuget.js';

type Op = '<' | '=' | '>';
interface Vector {
  a: string;
  op: Op;
  b: string;
  line: number;
}

function opOf(c: number): Op {
  return c < 0 ? '<' : c > 0 ? '>' : '=';
}

/** `A <op> B` lines; blank lines, `#` and `//` comments skipped. */
function readVectors(file: string): Vector[] {
  const vectors: Vector[] = [];
  readFileSync(join(sharedData, 'versions', 'osv-scalibr', file), 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const text = raw.trim();
      if (text === '' || text.startsWith('#') || text.startsWith('//')) return;
      const parts = text.split(/\s+/);
      const [a, op, b] = parts;
      if (parts.length !== 3 || a === undefined || b === undefined || (op !== '<' && op !== '=' && op !== '>')) {
        throw new StellaError('INTERNAL', `${file}:${i + 1}: cannot read vector "${text}"`);
      }
      vectors.push({ a, op, b, line: i + 1 });
    });
  return vectors;
}

function failuresOf(vectors: Vector[]): string[] {
  const failures: string[] = [];
  for (const { a, op, b, line } of vectors) {
    const mirrored: Op = op === '<' ? '>' : op === '>' ? '<' : '=';
    const forward = opOf(nugetOrdering.compare(a, b));
    const backward = opOf(nugetOrdering.compare(b, a));
    if (forward !== op || backward !== mirrored) failures.push(`line ${line}: ${a} ${op} ${b}, got ${forward}`);
  }
  return failures;
}

/** Every version an OSV zip lists for `ecosystem` (ranges other than GIT, and `versions`). */
async function osvVersions(ecosystem: string): Promise<string[]> {
  const zip = await yauzl.openPromise(join(sharedData, 'osv', ecosystem, 'all.zip'));
  const found = new Set<string>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (!entry.fileName.endsWith('.json')) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      const record = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OsvRecord;
      for (const affected of record.affected ?? []) {
        // Multi-ecosystem GHSA records list other ecosystems' versions too.
        if (affected.package?.ecosystem.split(':')[0] !== ecosystem) continue;
        for (const v of affected.versions ?? []) found.add(v);
        for (const range of affected.ranges ?? []) {
          if (range.type === 'GIT') continue;
          for (const event of range.events) {
            for (const v of [event.introduced, event.fixed, event.last_affected, event.limit]) {
              if (v !== undefined) found.add(v);
            }
          }
        }
      }
    }
  } finally {
    zip.close();
  }
  return [...found].sort();
}

function expectInvalid(version: string): void {
  expect(nugetOrdering.isValid(version), JSON.stringify(version)).toBe(false);
  let thrown: unknown;
  try {
    nugetOrdering.compare(version, '1.0');
  } catch (error) {
    thrown = error;
  }
  expect(isStellaError(thrown) && thrown.code, JSON.stringify(version)).toBe('VERSION_INVALID');
  expect(() => nugetOrdering.compare('1.0', version)).toThrow(/not a valid NuGet version/);
}

describe('nugetOrdering against the osv-scalibr vectors', () => {
  it('holds every line of nuget-versions.txt, both ways round', () => {
    const vectors = readVectors('nuget-versions.txt');
    expect(vectors.length).toBeGreaterThan(30);
    expect(failuresOf(vectors)).toEqual([]);
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
    for (const v of invalid) expectInvalid(v);
  });
});
