import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsckStrict, git as nativeGit } from '../../test/helpers/repo.js';
import { GitStore } from './git-store.js';

const author = { name: 'Test', email: 'test@example.invalid', timestamp: 1_700_000_000 };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('GitStore', () => {
  let dir: string;
  let store: GitStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stella-store-'));
    await git.init({ fs, dir, defaultBranch: 'main' });
    store = new GitStore({ fs, dir });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('commits nested paths that native git reads back, and git fsck --strict accepts', async () => {
    const first = await store.commit({
      branch: 'main',
      changes: new Map([
        ['a/b/c.txt', bytes('one\n')],
        ['a/z.txt', bytes('two\n')],
        ['top.txt', bytes('three\n')],
      ]),
      message: 'first',
      author,
    });
    expect(first.committed).toBe(true);
    const second = await store.commit({ branch: 'main', changes: new Map([['a/b/d.txt', bytes('four\n')]]), message: 'second', author });
    expect(await nativeGit(dir, 'show', 'main:a/b/c.txt')).toBe('one\n');
    expect(await nativeGit(dir, 'show', 'main:a/b/d.txt')).toBe('four\n');
    expect((await nativeGit(dir, 'rev-parse', 'main~1')).trim()).toBe(first.oid);
    expect((await nativeGit(dir, 'ls-tree', '-r', '--name-only', 'main')).split('\n').filter(Boolean)).toEqual([
      'a/b/c.txt',
      'a/b/d.txt',
      'a/z.txt',
      'top.txt',
    ]);
    expect(second.parent).toBe(first.oid);
    await fsckStrict(dir);
  });

  it('sorts tree entries the way git does (folders as if they ended in /)', async () => {
    await store.commit({
      branch: 'main',
      changes: new Map([
        ['foo.txt', bytes('x')],
        ['foo/bar', bytes('y')],
        ['foo-bar', bytes('z')],
      ]),
      message: 'order',
      author,
    });
    await fsckStrict(dir);
  });

  it('commits nothing when the content is unchanged', async () => {
    const changes = new Map([['x/y.txt', bytes('same')]]);
    const first = await store.commit({ branch: 'main', changes, message: 'one', author });
    const again = await store.commit({ branch: 'main', changes, message: 'two', author });
    expect(again).toEqual({ oid: first.oid, committed: false, parent: first.oid });
  });

  it('deletes files and prunes folders that become empty', async () => {
    await store.commit({ branch: 'main', changes: new Map([['d/e/f.txt', bytes('1')], ['keep.txt', bytes('2')]]), message: 'add', author });
    await store.commit({ branch: 'main', changes: new Map([['d/e/f.txt', null]]), message: 'delete', author });
    expect((await nativeGit(dir, 'ls-tree', '-r', '--name-only', 'main')).trim()).toBe('keep.txt');
    await fsckStrict(dir);
  });

  it('starts a new branch from another branch tip', async () => {
    const base = await store.commit({ branch: 'main', changes: new Map([['base.txt', bytes('b')]]), message: 'base', author });
    const agent = await store.commit({ branch: 'agents/n1', startFrom: 'main', changes: new Map([['findings/n1/r.json', bytes('{}')]]), message: 'r', author });
    expect(agent.parent).toBe(base.oid);
    expect(await store.readFile(agent.oid, 'base.txt')).toEqual(bytes('b'));
  });

  it('refuses to commit when the branch moved under it, and leaves the ref alone', async () => {
    const first = await store.commit({ branch: 'main', changes: new Map([['a', bytes('1')]]), message: '1', author });
    const second = await store.commit({ branch: 'main', changes: new Map([['a', bytes('2')]]), message: '2', author });
    await expect(store.commit({ branch: 'main', parent: first.oid, changes: new Map([['a', bytes('3')]]), message: '3', author })).rejects.toMatchObject({
      code: 'REPO_INVALID',
    });
    expect(await store.branchTip('main')).toBe(second.oid);
  });

  it.each(['../escape', '/abs', 'a//b', '.git/config', 'a/.GIT/x', 'a/./b', 'back\\slash'])('refuses the unsafe path %s', async (path) => {
    await expect(store.commit({ branch: 'main', changes: new Map([[path, bytes('x')]]), message: 'bad', author })).rejects.toMatchObject({ code: 'PATH_UNSAFE' });
    expect(await store.branchTip('main')).toBeUndefined();
  });
});
