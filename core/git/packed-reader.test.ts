/**
 * The pack reader against native git's packs: every object of a repository
 * with delta chains, packed with offset deltas, with reference deltas, and
 * indexed with 8-byte offsets, reads back exactly as `git cat-file` gives
 * it; a large blob streams out in pieces; missing objects are reported
 * missing, and an object over the limit is refused.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectFiles } from '../../test/helpers/pack-limits.js';
import { git } from '../../test/helpers/repo.js';
import { GitStore } from './git-store.js';

let root: string;

function sh(cwd: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-ec', script], { cwd, maxBuffer: 64 << 20, encoding: 'buffer' }, (error, stdout, stderr) => (error === null ? resolve(stdout.toString('latin1')) : reject(new Error(`${script}: ${stderr.toString()}`))));
  });
}

/** Every object of the repository with its type and bytes, as native git reads them. */
async function nativeObjects(dir: string): Promise<Map<string, { type: string; data: Buffer }>> {
  const out = new Map<string, { type: string; data: Buffer }>();
  for (const line of (await git(dir, 'cat-file', '--batch-all-objects', '--batch-check')).trim().split('\n')) {
    const [oid, type] = line.split(' ') as [string, string];
    const data = await new Promise<Buffer>((resolve, reject) => {
      execFile('git', ['cat-file', type, oid], { cwd: dir, encoding: 'buffer', maxBuffer: 64 << 20 }, (error, stdout) => (error === null ? resolve(stdout) : reject(error)));
    });
    out.set(oid, { type, data });
  }
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-packed-reader-'));
  await git(root, 'init', '-q', 'repo');
  // Twelve versions of one growing file and a changing folder: git deltas them against each other.
  await sh(
    join(root, 'repo'),
    `for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
       seq 1 $((i * 400)) > numbers.txt; mkdir -p sub; echo "version $i" > sub/v.txt
       git add -A; git -c user.name=a -c user.email=a@example.invalid commit -q -m "version $i"
     done
     head -c 3000000 /dev/urandom > big.bin; git add big.bin; git -c user.name=a -c user.email=a@example.invalid commit -q -m big`,
  );
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

async function readAll(dir: string): Promise<void> {
  const expected = await nativeObjects(dir);
  expect(expected.size).toBeGreaterThan(40);
  const store = new GitStore({ fs, dir, files: objectFiles });
  try {
    for (const [oid, { type, data }] of expected) {
      const object = await store.readObject(oid);
      expect({ oid, type: object.type }).toEqual({ oid, type });
      expect(Buffer.from(object.data).equals(data)).toBe(true);
    }
  } finally {
    await store.objects.close();
  }
}

describe('PackedReader', () => {
  it('reads every object of a pack with offset deltas as git does, and nothing is loose', async () => {
    const dir = join(root, 'repo');
    await git(dir, 'repack', '-adfq', '--depth=50');
    await git(dir, 'prune-packed');
    const verify = await git(dir, 'verify-pack', '-v', join(dir, '.git', 'objects', 'pack', (await readdir(join(dir, '.git', 'objects', 'pack'))).find((n) => n.endsWith('.idx')) as string));
    expect(verify).toMatch(/chain length = [2-9]/);
    await readAll(dir);
  });

  it('reads reference deltas and an index with 8-byte offsets', async () => {
    const dir = join(root, 'repo');
    await git(dir, '-c', 'repack.useDeltaBaseOffset=false', 'repack', '-adfq');
    const packDir = join(dir, '.git', 'objects', 'pack');
    const pack = (await readdir(packDir)).find((n) => n.endsWith('.pack')) as string;
    // Every offset past 256 bytes goes to the 8-byte table.
    await git(packDir, 'index-pack', '--index-version=2,256', pack);
    await readAll(dir);
  });

  it('streams a large blob in pieces, says what is missing, and refuses an object over the limit', async () => {
    const dir = join(root, 'repo');
    const oid = (await git(dir, 'rev-parse', 'HEAD:big.bin')).trim();
    const store = new GitStore({ fs, dir, files: objectFiles });
    const pieces: number[] = [];
    await store.objects.streamBlob(oid, (chunk) => pieces.push(chunk.length));
    expect(pieces.reduce((a, b) => a + b, 0)).toBe(3_000_000);
    expect(pieces.length).toBeGreaterThan(1);
    expect(await store.objects.has('0'.repeat(40))).toBe(false);
    await expect(store.readObject('0'.repeat(40))).rejects.toMatchObject({ code: 'NotFoundError' });
    await store.objects.close();
    const small = new GitStore({ fs, dir, files: { ...objectFiles, maxObjectBytes: 1_000_000 } });
    await expect(small.readBlob(oid)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    await small.objects.close();
  });
});
