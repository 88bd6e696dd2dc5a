/**
 * The limits on received packs: real packs written by native git
 * (`pack-objects`), and hand-made entries for what git would never write
 * (a header that understates its size, a delta that claims a huge result).
 * `storePack` — the step a fetch and a bundle import share — refuses before
 * it writes anything.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeMeasuredInflate as inflate } from '../../test/helpers/pack-limits.js';
import { git } from '../../test/helpers/repo.js';
import { GitStore } from './git-store.js';
import { checkPackLimits } from './pack-entries.js';
import { storePack } from './pack-store.js';

const MiB = 1024 * 1024;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'stella-pack-limits-'));
  await git(work, 'init', '-q', 'repo');
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** Native git's pack of blobs with the given contents. */
async function nativePack(...contents: Uint8Array[]): Promise<Uint8Array> {
  const dir = join(work, 'repo');
  const oids: string[] = [];
  for (const [i, content] of contents.entries()) {
    fs.writeFileSync(join(work, `blob-${i}`), content);
    oids.push((await git(dir, 'hash-object', '-w', join(work, `blob-${i}`))).trim());
  }
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['pack-objects', '--stdout'], { cwd: dir, encoding: 'buffer', maxBuffer: 64 * MiB }, (error, stdout) =>
      error === null ? resolve(new Uint8Array(stdout)) : reject(error),
    );
    child.stdin?.end(`${oids.join('\n')}\n`);
  });
}

/** A pack of one raw entry made of `parts` (header byte(s), base, zlib data); the trailer is not checked here. */
function handMadePack(parts: readonly Uint8Array[]): Uint8Array {
  const header = new Uint8Array([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 1]);
  return new Uint8Array(Buffer.concat([header, ...parts, new Uint8Array(20)]));
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    out.push(rest > 0 ? byte | 0x80 : byte);
  } while (rest > 0);
  return out;
}

describe('checkPackLimits', () => {
  it('refuses a blob over the per-object limit from its declared size, naming the source and the entry', async () => {
    const pack = await nativePack(new Uint8Array(2 * MiB), new TextEncoder().encode('small\n'));
    await expect(checkPackLimits(pack, { inflate, maxObjectBytes: MiB }, 'fetch of main')).rejects.toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/^fetch of main: object \d of 2 \(blob at pack offset \d+\) is 2097152 bytes, over the limit of 1 MiB per object; nothing was changed$/) as unknown }),
    );
    await expect(checkPackLimits(pack, { inflate }, 'fetch of main')).resolves.toBeUndefined();
  });

  it('refuses a pack whose objects add up to more than the total limit', async () => {
    const pack = await nativePack(new Uint8Array(600 * 1024).fill(1), new Uint8Array(600 * 1024).fill(2));
    await expect(checkPackLimits(pack, { inflate, maxTotalBytes: MiB }, 'x.bundle')).rejects.toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/add up to more than 1 MiB/) as unknown }));
    await expect(checkPackLimits(pack, { inflate, maxPackBytes: 100 }, 'x.bundle')).rejects.toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/over the limit of 0 MiB per pack/) as unknown }));
  });

  it('a header that understates the size cannot make the entry inflate further', async () => {
    // Blob (type 3) declaring 5 bytes, with 1 MiB of zlib data behind it.
    const pack = handMadePack([new Uint8Array([0x35]), new Uint8Array(deflateSync(new Uint8Array(MiB)))]);
    await expect(checkPackLimits(pack, { inflate }, 'liar.bundle')).rejects.toThrow(expect.objectContaining({ code: 'REPO_INVALID', message: expect.stringMatching(/^liar\.bundle: object 1 of 1 \(blob at pack offset 12\) does not inflate to the 5 bytes its header declares/) as unknown }));
  });

  it('refuses a small delta whose result would be over the limit', async () => {
    const delta = new Uint8Array([...varint(3), ...varint(200 * MiB), 0x90, 0x01]);
    const header = new Uint8Array([0x70 | delta.length]); // a reference delta of fewer than 16 bytes
    const pack = handMadePack([header, new Uint8Array(20).fill(0xab), new Uint8Array(deflateSync(delta))]);
    await expect(checkPackLimits(pack, { inflate }, 'delta.bundle')).rejects.toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/^delta\.bundle: object 1 of 1 \(reference delta at pack offset 12\) would become 209715200 bytes, over the limit of 100 MiB per object/) as unknown }),
    );
  });

  it('storePack (fetch and bundle import) refuses an oversized object before writing anything', async () => {
    const dir = join(work, 'target');
    await git(work, 'init', '-q', dir);
    const store = new GitStore({ fs, dir });
    const pack = await nativePack(new Uint8Array(3 * MiB));
    const before = await readdir(join(dir, '.git', 'objects'), { recursive: true });
    await expect(storePack(store, pack, 'https://git.example/state.git main', { inflate, maxObjectBytes: MiB })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: expect.stringMatching(/^https:\/\/git\.example\/state\.git main: object 1 of 1 \(blob at pack offset 12\) is 3145728 bytes/) as unknown,
    });
    expect(await readdir(join(dir, '.git', 'objects'), { recursive: true })).toEqual(before);
  });
});
