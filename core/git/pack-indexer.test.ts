/**
 * Our pack indexer against native git: for packs written by `git
 * pack-objects` (offset deltas, reference deltas, a thin pack completed
 * from the repository, entries larger than one inflate call, many objects)
 * the `.idx` we publish is byte for byte the one `git index-pack` writes for
 * the same pack, and `git verify-pack` and `git fsck --strict` accept the
 * repository. Hostile packs are refused with one line, and leave nothing
 * published and no staging folder.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packLimits } from '../../test/helpers/pack-limits.js';
import { fsckStrict, git } from '../../test/helpers/repo.js';
import { GitStore } from './git-store.js';
import { parsePackIndex } from './pack-file.js';
import { writePackIndex } from './pack-index-write.js';
import { storePack } from './pack-store.js';

const run = promisify(execFile);
const commit = ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet'];
let root: string;
let source: string;
let n = 0;

/** `git pack-objects` over `revs` in the source repository. */
function packObjects(args: readonly string[], revs: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['pack-objects', '--stdout', '--revs', ...args], { cwd: source, encoding: 'buffer', maxBuffer: 256 << 20 }, (error, stdout) =>
      error === null ? resolve(stdout) : reject(error),
    );
    child.stdin?.end(revs);
  });
}

async function bareRepo(): Promise<GitStore> {
  const dir = join(root, `target-${n++}.git`);
  await git(root, 'init', '--quiet', '--bare', dir);
  return new GitStore({ fs, dir, gitdir: dir });
}

/** Stores `pack` with our indexer, then compares our .idx with git's for the same pack and lets git check the repository. */
async function storeAndCompare(store: GitStore, pack: Uint8Array): Promise<{ objects: number; completed: number }> {
  const published = await storePack(store, pack, 'test pack', packLimits);
  const packFile = join(store.gitdir, 'objects', 'pack', published.name);
  const ours = await readFile(packFile.replace(/\.pack$/, '.idx'));
  const copy = join(root, `copy-${n++}.pack`);
  await writeFile(copy, await readFile(packFile));
  await run('git', ['index-pack', '-o', copy.replace(/\.pack$/, '.idx'), copy], { cwd: store.gitdir });
  expect(Buffer.compare(ours, await readFile(copy.replace(/\.pack$/, '.idx')))).toBe(0);
  await run('git', ['verify-pack', '-v', packFile.replace(/\.pack$/, '.idx')], { cwd: store.gitdir, maxBuffer: 64 << 20 });
  await fsckStrict(store.gitdir);
  expect((await readdir(join(store.gitdir, 'objects'))).filter((name) => name.startsWith('tmp_'))).toEqual([]);
  return { objects: published.oids.size, completed: published.completed };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-indexer-'));
  source = join(root, 'source');
  await git(root, 'init', '--quiet', '--initial-branch=main', source);
  // History with similar versions of files (deltas), many small files, and a blob of 3 MiB edited twice.
  const big = randomBytes(3 << 20);
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 300; i++) {
      const lines = Array.from({ length: 40 }, (_, k) => `file ${i} line ${k}${k === round ? ' changed' : ''}\n`).join('');
      fs.mkdirSync(join(source, `d${i % 10}`), { recursive: true });
      await writeFile(join(source, `d${i % 10}`, `f${i}.txt`), lines);
    }
    big.write(`round ${round}`, 1000 + round * 100_000);
    await writeFile(join(source, 'big.bin'), big);
    await git(source, 'add', '.');
    await git(source, ...commit, '-m', `round ${round}`);
  }
}, 120_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('the pack indexer against git index-pack', () => {
  it('offset deltas: the same .idx as git, and git verify-pack and fsck --strict pass', async () => {
    const pack = await packObjects(['--delta-base-offset'], 'main\n');
    expect((await storeAndCompare(await bareRepo(), pack)).objects).toBeGreaterThan(1200);
  });

  it('reference deltas: the same .idx as git', async () => {
    const pack = await packObjects([], 'main\n');
    await storeAndCompare(await bareRepo(), pack);
  });

  it('a thin pack is completed from the repository (fix-thin): the same .idx as git for the completed pack', async () => {
    const store = await bareRepo();
    await git(source, 'branch', '-f', 'old', 'main~1');
    await git(store.gitdir, 'fetch', '--quiet', source, 'old:refs/heads/old');
    const thin = await packObjects(['--thin', '--delta-base-offset'], 'main\n^main~1\n');
    const { completed } = await storeAndCompare(store, thin);
    expect(completed).toBeGreaterThan(0);
    await git(store.gitdir, 'update-ref', 'refs/heads/main', (await git(source, 'rev-parse', 'main')).trim());
    await fsckStrict(store.gitdir);
  });

  it('writes offsets past the 4-byte limit to the 8-byte table as git does', async () => {
    const pack = await packObjects(['--delta-base-offset'], 'main~2\n');
    const file = join(root, 'large-offsets.pack');
    await writeFile(file, pack);
    await run('git', ['index-pack', '--index-version=2,0x4000', '-o', join(root, 'large-offsets.idx'), file], { cwd: source });
    const theirs = await readFile(join(root, 'large-offsets.idx'));
    const { oids, offsets } = parsePackIndex(theirs, 'git idx');
    const crcAt = 8 + 1024 + oids.length * 20;
    const objects = oids.map((oid, i) => ({ oid, offset: offsets[i] as number, crc: theirs.readUInt32BE(crcAt + i * 4) }));
    expect(objects.some((o) => o.offset > 0x4000)).toBe(true);
    expect(Buffer.compare(writePackIndex(objects, pack.subarray(pack.length - 20), 0x4000), theirs)).toBe(0);
  });
});

/** A pack of raw entries with a correct header and trailer. */
function rawPack(entries: readonly Uint8Array[]): Buffer {
  const header = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, entries.length]);
  const body = Buffer.concat([header, ...entries]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

/** An entry header for `type` and `size`. */
function entryHeader(type: number, size: number): Buffer {
  const out = [(type << 4) | (size & 0x0f) | (size >= 16 ? 0x80 : 0)];
  for (let rest = Math.floor(size / 16); rest > 0; rest = Math.floor(rest / 128)) out.push((rest & 0x7f) | (rest >= 128 ? 0x80 : 0));
  return Buffer.from(out);
}

const blob = (text: string): Buffer => Buffer.concat([entryHeader(3, text.length), deflateSync(text)]);
/** A delta that inserts `text` into an empty result, for a base of `baseSize` bytes. */
const insertDelta = (baseSize: number, text: string): Buffer => Buffer.from([baseSize, text.length, text.length, ...Buffer.from(text)]);

describe('hostile packs', () => {
  const cases: [string, () => Buffer, string, RegExp][] = [
    ['a truncated pack', () => rawPack([blob('hello\n')]).subarray(0, -5), 'DIGEST_MISMATCH', /checksum mismatch/],
    ['a pack cut inside its header', () => rawPack([blob('hello\n')]).subarray(0, 30), 'REPO_INVALID', /too short to be a packfile/],
    ['a bad trailer', () => Buffer.concat([rawPack([blob('hello\n')]).subarray(0, -1), Buffer.from([0])]), 'DIGEST_MISMATCH', /checksum mismatch/],
    [
      'a delta whose base is nowhere',
      () => {
        const delta = insertDelta(3, 'abc');
        return rawPack([Buffer.concat([entryHeader(7, delta.length), Buffer.alloc(20, 0xab), deflateSync(delta)])]);
      },
      'NOT_FOUND',
      /needs object abababab.* as a delta base/,
    ],
    [
      'two reference deltas that are each other’s base',
      () => {
        const x = 'xxx';
        const y = 'yyy';
        const id = (text: string): Buffer => createHash('sha1').update(`blob ${text.length}\0${text}`).digest();
        const d1 = insertDelta(3, x);
        const d2 = insertDelta(3, y);
        return rawPack([Buffer.concat([entryHeader(7, d1.length), id(y), deflateSync(d1)]), Buffer.concat([entryHeader(7, d2.length), id(x), deflateSync(d2)])]);
      },
      'NOT_FOUND',
      /as a delta base, and this repository does not have it/,
    ],
    [
      'an offset delta pointing forward, past the pack start',
      () => {
        const delta = insertDelta(6, 'abc');
        return rawPack([blob('hello\n'), Buffer.concat([entryHeader(6, delta.length), Buffer.from([0x7f]), deflateSync(delta)])]);
      },
      'REPO_INVALID',
      /offset delta at pack offset \d+\) names a delta base outside the pack or not before it/,
    ],
    [
      'an offset delta pointing into the middle of an entry',
      () => {
        const delta = insertDelta(6, 'abc');
        const first = blob('hello\n');
        return rawPack([first, Buffer.concat([entryHeader(6, delta.length), Buffer.from([first.length - 2]), deflateSync(delta)])]);
      },
      'REPO_INVALID',
      /names its delta base at pack offset 14, where no earlier object starts/,
    ],
    ['an object whose header lies about its size', () => rawPack([Buffer.concat([entryHeader(3, 5), deflateSync('far more than five bytes')])]), 'REPO_INVALID', /does not inflate to the 5 bytes its header declares/],
    ['an object over the per-object limit', () => rawPack([Buffer.concat([entryHeader(3, 2 << 20), deflateSync(Buffer.alloc(2 << 20))])]), 'LIMIT_EXCEEDED', /is 2097152 bytes, over the limit of 1 MiB per object/],
  ];

  it.each(cases)('%s is refused with one line; nothing is published, no staging folder is left', async (_name, make, code, message) => {
    const store = await bareRepo();
    const before = await readdir(join(store.gitdir, 'objects'), { recursive: true });
    const error = await storePack(store, make(), 'hostile.pack', { ...packLimits, maxObjectBytes: 1 << 20 }).then(
      () => undefined,
      (caught: unknown) => caught as { code: string; message: string },
    );
    expect(error).toMatchObject({ code });
    expect(error?.message).toMatch(message);
    expect(error?.message.startsWith('hostile.pack: ')).toBe(true);
    expect(error?.message).not.toContain('\n');
    expect(await readdir(join(store.gitdir, 'objects'), { recursive: true })).toEqual(before);
  });
});
