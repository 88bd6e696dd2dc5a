/**
 * core/git as the Worker runs it, inside workerd: a repository in the
 * in-memory filesystem, commits made and read back through `GitStore`, and
 * packs (whole, then thin against what the receiver has) written by one
 * memory repository and stored by another under the Worker's pack limits —
 * the fetch and push path without the network. Code that needs the host
 * (files on disk, a child process, a native addon) fails here, where Node's
 * tests would not notice it. Buffer and node:zlib would not fail: the pool
 * needs nodejs_compat, which provides them; core/tsconfig.json (no Node
 * types) and scripts/check-layers.mjs keep those out.
 */
import { describe, expect, it } from 'vitest';
import { GitStore } from '../../core/git/git-store.js';
import { verifyPack } from '../../core/git/pack-file.js';
import { storePack } from '../../core/git/pack-store.js';
import { buildPack } from '../../core/git/send-pack.js';
import { newObjects } from '../../core/git/tree-diff.js';
import { initRepository } from '../../core/git/work-index.js';
import { fflatePackLimits as workerPackLimits } from '../../core/git/measured-inflate.js';
import { memoryFs } from './memory-fs.js';

const author = { name: 'Stella edge', email: 'edge@stella.invalid', timestamp: 1_700_000_000 };
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data === undefined ? undefined : new TextDecoder().decode(data));

async function memoryRepo(): Promise<GitStore> {
  const fs = memoryFs();
  await initRepository({ fs, dir: '/repo' }, 'main');
  return new GitStore({ fs, dir: '/repo' });
}

/** What a push of `commit` sends on top of `base` (or of nothing). */
async function packFor(store: GitStore, commit: string, base: string | undefined): Promise<Uint8Array> {
  const info = await store.readCommit(commit);
  const baseTree = base === undefined ? undefined : (await store.readCommit(base)).tree;
  const objects = [{ oid: commit }, ...(await newObjects(store, baseTree, info.tree)).map((o) => (o.base === undefined ? { oid: o.oid } : { oid: o.oid, base: o.base }))];
  return buildPack(store, objects, new Set());
}

describe('core/git in workerd, on the in-memory filesystem', () => {
  it('commits, reads back, and keeps history', async () => {
    const store = await memoryRepo();
    const first = await store.commit({ branch: 'agents/n1', changes: new Map([['findings/a.json', bytes('{"a":1}\n')], ['README.md', bytes('hello\n')]]), message: 'first', author });
    expect(first).toMatchObject({ committed: true, parent: undefined });
    const second = await store.commit({ branch: 'agents/n1', changes: new Map([['findings/a.json', bytes('{"a":2}\n')], ['README.md', null]]), message: 'second', author });
    expect(await store.branchTip('agents/n1')).toBe(second.oid);
    expect(text(await store.readFile(second.oid, 'findings/a.json'))).toBe('{"a":2}\n');
    expect(await store.readFile(second.oid, 'README.md')).toBeUndefined();
    expect(text(await store.readFile(first.oid, 'README.md'))).toBe('hello\n');
    const info = await store.readCommit(second.oid);
    expect(info).toMatchObject({ parents: [first.oid], message: 'second\n', author: { name: 'Stella edge', timestamp: 1_700_000_000 } });
    expect((await store.walkFiles(second.oid, '')).map((f) => f.path)).toEqual(['findings/a.json']);
    // A change that changes nothing commits nothing.
    expect(await store.commit({ branch: 'agents/n1', changes: new Map([['findings/a.json', bytes('{"a":2}\n')]]), message: 'same', author })).toMatchObject({ committed: false, oid: second.oid });
  });

  it('moves commits between memory repositories as a whole pack, then a thin one', async () => {
    const sender = await memoryRepo();
    const big = bytes(Array.from({ length: 200 }, (_, i) => `line ${i}: ${'x'.repeat(40)}\n`).join(''));
    const first = await sender.commit({ branch: 'main', changes: new Map([['data/big.txt', big], ['data/small.txt', bytes('s\n')]]), message: 'first', author });
    const edited = new Uint8Array([...big, ...bytes('one more line\n')]);
    const second = await sender.commit({ branch: 'main', changes: new Map([['data/big.txt', edited]]), message: 'second', author });

    const receiver = await memoryRepo();
    const whole = await packFor(sender, first.oid, undefined);
    const stored = await storePack(receiver, whole, 'whole', workerPackLimits);
    expect(stored.oids.has(first.oid)).toBe(true);
    expect(await receiver.readFile(first.oid, 'data/big.txt')).toEqual(big);

    // Thin: the changed blob travels as a delta against the one the receiver has, and is smaller for it.
    const thin = await packFor(sender, second.oid, first.oid);
    expect(thin.length).toBeLessThan(big.length / 4);
    await storePack(receiver, thin, 'thin', workerPackLimits);
    expect(await receiver.readFile(second.oid, 'data/big.txt')).toEqual(edited);
    expect((await receiver.readCommit(second.oid)).parents).toEqual([first.oid]);
  });

  it('refuses a damaged pack before storing anything', async () => {
    const sender = await memoryRepo();
    const commit = await sender.commit({ branch: 'main', changes: new Map([['a.txt', bytes('a\n')]]), message: 'a', author });
    const pack = await packFor(sender, commit.oid, undefined);
    pack[20] = (pack[20] as number) ^ 0xff;
    await expect(verifyPack(pack, 'damaged')).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });
});
