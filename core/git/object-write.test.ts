import * as fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsckStrict, git as nativeGit } from '../../test/helpers/repo.js';
import { GitStore } from './git-store.js';
import { commitBytes, treeBytes, writeObject } from './object-write.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('writeObject', () => {
  let dir: string;
  let store: GitStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stella-objwrite-'));
    await git.init({ fs, dir, defaultBranch: 'main' });
    store = new GitStore({ fs, dir });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives blobs, trees and commits the ids git gives them, and git reads them back', async () => {
    const large = new Uint8Array(200 * 1024).map((_, i) => (i * 7) % 251);
    await writeFile(join(dir, 'large.bin'), large);
    const small = await writeObject(store, 'blob', bytes('één\n'));
    const big = await writeObject(store, 'blob', large);
    await writeFile(join(dir, 'small.txt'), 'één\n');
    expect(small).toBe((await nativeGit(dir, 'hash-object', '--no-filters', 'small.txt')).trim());
    expect(big).toBe((await nativeGit(dir, 'hash-object', '--no-filters', 'large.bin')).trim());
    expect(await nativeGit(dir, 'cat-file', '-p', small)).toBe('één\n');
    const sub = await writeObject(store, 'tree', treeBytes([{ mode: '100644', path: 'x', oid: small, type: 'blob' }]));
    const entries = [
      { mode: '100644', path: 'foo.txt', oid: small, type: 'blob' as const },
      { mode: '040000', path: 'foo', oid: sub, type: 'tree' as const },
      { mode: '100755', path: 'foo-bar', oid: big, type: 'blob' as const },
    ];
    const tree = await writeObject(store, 'tree', treeBytes(entries));
    // git's own order: foo-bar, foo.txt, foo (a folder sorts as "foo/").
    expect((await nativeGit(dir, 'ls-tree', tree)).split('\n').filter(Boolean).map((line) => line.split('\t')[1])).toEqual(['foo-bar', 'foo.txt', 'foo']);
    expect(tree).toBe(await git.writeTree({ fs, dir, tree: entries }));
    const author = { name: 'Test', email: 'test@example.invalid', timestamp: 1_700_000_000 };
    const commit = await writeObject(store, 'commit', commitBytes({ tree, parents: [], author, committer: author, message: '\nscan app\r\n\nbody\n\n' }));
    // The same id isomorphic-git gave before (its newline rules), so nothing already written changes.
    const before = await git.writeCommit({ fs, dir, commit: { tree, parent: [], message: '\nscan app\r\n\nbody\n\n', author: { ...author, timezoneOffset: 0 }, committer: { ...author, timezoneOffset: 0 } } });
    expect(commit).toBe(before);
    await nativeGit(dir, 'update-ref', 'refs/heads/main', commit);
    expect(await nativeGit(dir, 'log', '-1', '--format=%s|%an|%ae|%at', 'main')).toBe('scan app|Test|test@example.invalid|1700000000\n');
    await fsckStrict(dir);
  });

  it('writes an object once, and refuses entries and people git could not read', async () => {
    const first = await writeObject(store, 'blob', bytes('same\n'));
    expect(await writeObject(store, 'blob', bytes('same\n'))).toBe(first);
    expect(() => treeBytes([{ mode: '100644', path: 'a/b', oid: first, type: 'blob' }])).toThrow(/cannot be written/);
    expect(() => treeBytes([{ mode: '100600', path: 'a', oid: first, type: 'blob' }])).toThrow(/mode 100600/);
    const person = { name: 'Eve <x>', email: 'e@x', timestamp: 1 };
    expect(() => commitBytes({ tree: first, parents: [], author: person, committer: person, message: 'm' })).toThrow(/cannot be written/);
  });
});
