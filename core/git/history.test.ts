import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../../test/helpers/repo.js';
import { GitStore } from './git-store.js';
import { commitsNotIn, isAncestor } from './history.js';
import { initRepository } from './work-index.js';

let root: string;
let store: GitStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-history-'));
  await initRepository({ fs, dir: root }, 'main');
  store = new GitStore({ fs, dir: root });
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function commit(branch: string, name: string, timestamp: number, startFrom?: string): Promise<string> {
  const result = await store.commit({
    branch,
    ...(startFrom === undefined ? {} : { startFrom }),
    changes: new Map([[`files/${name}`, new TextEncoder().encode(name)]]),
    message: name,
    author: { name: 't', email: 't@x', timestamp },
  });
  return result.oid;
}

const names = async (list: Promise<{ message: string }[]>): Promise<string[]> => (await list).map((c) => c.message.trim());

describe('commitsNotIn / isAncestor', () => {
  let m1: string, m3: string, x2: string, y1: string, merge: string;

  beforeAll(async () => {
    m1 = await commit('main', 'm1', 100);
    await commit('main', 'm2', 200);
    m3 = await commit('main', 'm3', 300);
    await store.writeRef('refs/heads/x', m1);
    await commit('x', 'x1', 150);
    x2 = await commit('x', 'x2', 250);
    // A commit whose clock was behind its parent's by minutes.
    await store.writeRef('refs/heads/y', m3);
    y1 = await commit('y', 'y1', 50);
    // A merge commit, made by native git with the same fixed identity and time.
    const when = '@400 +0000';
    process.env.GIT_AUTHOR_DATE = when;
    process.env.GIT_COMMITTER_DATE = when;
    try {
      merge = (await git(root, '-c', 'user.name=t', '-c', 'user.email=t@x', 'commit-tree', await store.treeOf(m3), '-p', m3, '-p', x2, '-m', 'merge')).trim();
    } finally {
      delete process.env.GIT_AUTHOR_DATE;
      delete process.env.GIT_COMMITTER_DATE;
    }
  });

  it('lists the commits one side lacks, parents before children', async () => {
    expect(await names(commitsNotIn(store, [x2], [m3]))).toEqual(['x1', 'x2']);
    expect(await names(commitsNotIn(store, [m3], [x2]))).toEqual(['m2', 'm3']);
    expect(await names(commitsNotIn(store, [merge], [m3]))).toEqual(['x1', 'x2', 'merge']);
    expect(await names(commitsNotIn(store, [m3], [m3]))).toEqual([]);
    expect(await names(commitsNotIn(store, [m1], []))).toEqual(['m1']);
  });

  it('answers ancestry, also across a skewed clock', async () => {
    expect(await isAncestor(store, m1, m3)).toBe(true);
    expect(await isAncestor(store, m3, m3)).toBe(true);
    expect(await isAncestor(store, x2, m3)).toBe(false);
    expect(await isAncestor(store, m3, y1)).toBe(true);
    expect(await names(commitsNotIn(store, [y1], [m3]))).toEqual(['y1']);
    expect(await isAncestor(store, '0123456789012345678901234567890123456789', m3)).toBe(false);
  });

  it('reads only the commits near the difference, not the whole history', async () => {
    let base = '';
    for (let i = 0; i < 120; i++) base = await commit('long', `l${i}`, 1000 + i, 'main');
    await store.writeRef('refs/heads/long-side', base);
    await commit('long', 'mine', 2000);
    const theirs = await commit('long-side', 'theirs', 2001);
    const mine = (await store.branchTip('long')) as string;
    // A walk over the 120-commit history would pass the limit and throw.
    expect(await names(commitsNotIn(store, [mine], [theirs], 20))).toEqual(['mine']);
    expect(await isAncestor(store, base, mine)).toBe(true);
  });
});
