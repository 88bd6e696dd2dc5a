import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { StellaError, isStellaError } from '../errors.js';
import type { OsvRecord } from '../model/osv.js';
import { sharedData } from '../../test/helpers/paths.js';
import { cratesOrdering, semverOrdering } from './semver.js';

type Op = '<' | '=' | '>';

function opOf(c: number): Op {
  return c < 0 ? '<' : c > 0 ? '>' : '=';
}

/** `A <op> B` lines; blank lines, `#` and `//` comments skipped. */
function readVectors(file: string): { a: string; op: Op; b: string; line: number }[] {
  const vectors: { a: string; op: Op; b: string; line: number }[] = [];
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

/** Every JSON record of an OSV zip export. */
async function readOsvZip(path: string): Promise<OsvRecord[]> {
  const zip = await yauzl.openPromise(path);
  const records: OsvRecord[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      if (!entry.fileName.endsWith('.json')) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      records.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OsvRecord);
    }
  } finally {
    zip.close();
  }
  return records;
}

/** Every version string an advisory mentions, in any ecosystem. */
function versionsIn(records: OsvRecord[]): string[] {
  const found = new Set<string>();
  for (const record of records) {
    for (const affected of record.affected ?? []) {
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
  return [...found].sort();
}

function expectInvalid(ordering: typeof semverOrdering, version: string): void {
  expect(ordering.isValid(version), version).toBe(false);
  let thrown: unknown;
  try {
    ordering.compare(version, '1.0.0');
  } catch (error) {
    thrown = error;
  }
  expect(isStellaError(thrown) && thrown.code, version).toBe('VERSION_INVALID');
}

describe('semverOrdering against the osv-scalibr vectors', () => {
  // osv-scalibr's "semver" is lenient, Go-style: it pads missing components
  // with zeros and reads a fourth or fifth number as more build data. These
  // two lines use versions that are not SemVer 2.0.0 (one component; five
  // components), which npm and Cargo refuse, so they have no npm ordering.
  const NOT_SEMVER = new Set([
    '999999999999999999999999999991 < 999999999999999999999999999999',
    '1.1.3.4.5 = 1.1.3.4.5',
  ]);

  it('holds every SemVer 2.0.0 line of semver-versions.txt, both ways round', () => {
    const vectors = readVectors('semver-versions.txt');
    const failures: string[] = [];
    let checked = 0;
    for (const { a, op, b, line } of vectors) {
      if (NOT_SEMVER.has(`${a} ${op} ${b}`)) continue;
      checked++;
      const mirrored: Op = op === '<' ? '>' : op === '>' ? '<' : '=';
      const forward = opOf(semverOrdering.compare(a, b));
      const backward = opOf(semverOrdering.compare(b, a));
      if (forward !== op || backward !== mirrored) failures.push(`line ${line}: ${a} ${op} ${b}, got ${forward}`);
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(vectors.length - NOT_SEMVER.size);
    expect(checked).toBeGreaterThan(80);
  });

  it('skips only lines whose versions are not SemVer 2.0.0', () => {
    for (const line of NOT_SEMVER) {
      const [a] = line.split(' ');
      expect(semverOrdering.isValid(a ?? '')).toBe(false);
      expect(semver.valid(a ?? '')).toBeNull();
    }
  });
});

describe('semverOrdering against the semver package', () => {
  it('agrees on validity and on the order of every pair of real advisory versions', async () => {
    const records = await readOsvZip(join(sharedData, 'osv', 'npm', 'all.zip'));
    const all = versionsIn(records);
    // Validity: strict semver (which also takes a leading `v`) is npm's
    // grammar for published versions.
    const validityMismatches = all.filter((v) => semverOrdering.isValid(v) !== (semver.valid(v) !== null));
    expect(validityMismatches).toEqual([]);

    const valid = all.filter((v) => semver.valid(v) !== null);
    expect(valid.length).toBeGreaterThan(300);
    // Other ecosystems' versions ("0", "2.0a1", "1.0.0.rc.1") are in the zip too.
    expect(all.length - valid.length).toBeGreaterThan(10);

    const mismatches: string[] = [];
    for (const a of valid) {
      for (const b of valid) {
        const ours = semverOrdering.compare(a, b);
        if (ours !== semver.compare(a, b)) mismatches.push(`${a} vs ${b}: ours ${ours}`);
        if (cratesOrdering.isValid(a) && cratesOrdering.isValid(b) && cratesOrdering.compare(a, b) !== ours) {
          mismatches.push(`${a} vs ${b}: crates.io differs from npm`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('semverOrdering rules', () => {
  it('orders the SemVer 2.0.0 precedence example', () => {
    const chain = [
      '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11',
      '1.0.0-rc.1', '1.0.0', '1.0.1', '1.1.0', '2.0.0', '10.0.0',
    ];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(semverOrdering.compare(chain[i] ?? '', chain[i + 1] ?? ''), `${chain[i]} < ${chain[i + 1]}`).toBe(-1);
      expect(cratesOrdering.compare(chain[i + 1] ?? '', chain[i] ?? '')).toBe(1);
    }
  });

  it('ignores build metadata and compares numbers of any size exactly', () => {
    expect(semverOrdering.compare('1.2.3+build.1', '1.2.3+build.2')).toBe(0);
    expect(semverOrdering.compare('1.2.3-rc.1+a', '1.2.3-rc.1')).toBe(0);
    expect(semverOrdering.compare('9007199254740993.0.0', '9007199254740992.0.0')).toBe(1);
    expect(semverOrdering.compare('1.0.0-9007199254740993', '1.0.0-9007199254740992')).toBe(1);
    expect(semverOrdering.compare('1.0.0-10', '1.0.0-9')).toBe(1);
    expect(semverOrdering.compare('1.0.0-9', '1.0.0-a')).toBe(-1); // numeric below alphanumeric
    expect(semverOrdering.compare('1.0.0-0a', '1.0.0-1')).toBe(1); // "0a" is alphanumeric
  });

  it('tolerates a leading v or = for npm, not for crates.io', () => {
    for (const v of ['v1.2.3', '=1.2.3', 'v=1.2.3', ' v1.2.3 ', '=v1.2.3']) {
      expect(semverOrdering.compare(v, '1.2.3'), v).toBe(0);
      expectInvalid(cratesOrdering, v);
    }
    expect(semverOrdering.ecosystem).toBe('npm');
    expect(cratesOrdering.ecosystem).toBe('crates.io');
  });

  it('rejects what is not SemVer 2.0.0 with VERSION_INVALID', () => {
    const invalid = [
      '', '0', '1', '1.2', '1.2.3.4', '01.2.3', '1.02.3', '1.2.03', '1.2.3-01', '1.2.3-', '1.2.3+', '1.2.3-a..b',
      '1.2.3+a..b', '1.2.3-a_b', '1.2.3 4', 'x.y.z', '1.2.3beta', '-1.2.3', `1.2.3-${'a'.repeat(300)}`, 'vv',
    ];
    for (const v of invalid) {
      expectInvalid(semverOrdering, v);
      expectInvalid(cratesOrdering, v);
    }
  });
});
