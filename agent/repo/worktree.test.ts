/**
 * Work-tree writes never follow links: a symbolic link a native checkout
 * left in the work tree (as a folder on the way, or as the file itself) is
 * replaced, and what it pointed to stays as it was.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { AGENT_IDENTITY, MAIN_BRANCH } from './state-repo.js';
import { syncWorktree } from './worktree.js';

let made: TempRepo;
let outside: string;

beforeAll(async () => {
  made = await tempRepo('wt-node');
  outside = await mkdtemp(join(tmpdir(), 'stella-outside-'));
  await writeFile(join(outside, 'victim.txt'), 'keep\n');
});
afterAll(async () => {
  await made.cleanup();
  await rm(outside, { recursive: true, force: true });
});

async function commitAndSync(changes: Map<string, Uint8Array | null>): Promise<string[]> {
  const store = made.repo.store;
  const parent = (await store.branchTip(MAIN_BRANCH)) as string;
  await store.commit({ branch: MAIN_BRANCH, parent, changes, message: 'change', author: AGENT_IDENTITY });
  return syncWorktree(made.repo, MAIN_BRANCH, parent, changes);
}

describe('syncWorktree', () => {
  it('replaces a linked folder on the way with a real one, writing nothing through it', async () => {
    await symlink(outside, join(made.repo.dir, 'nodes-link'));
    await commitAndSync(new Map([['nodes-link/planted.txt', new TextEncoder().encode('planted?\n')]]));
    expect(await readdir(outside)).toEqual(['victim.txt']);
    expect((await lstat(join(made.repo.dir, 'nodes-link'))).isDirectory()).toBe(true);
    expect(await readFile(join(made.repo.dir, 'nodes-link', 'planted.txt'), 'utf8')).toBe('planted?\n');
    expect(await git(made.repo.dir, 'status', '--porcelain')).toBe('');
  });

  it('replaces a link at the file itself, and deletes a link, never its target', async () => {
    await mkdir(join(made.repo.dir, 'nodes'), { recursive: true });
    await symlink(join(outside, 'created.txt'), join(made.repo.dir, 'nodes', 'file.txt'));
    await commitAndSync(new Map([['nodes/file.txt', new TextEncoder().encode('mine\n')]]));
    expect(await readdir(outside)).toEqual(['victim.txt']);
    expect((await lstat(join(made.repo.dir, 'nodes', 'file.txt'))).isFile()).toBe(true);

    await rm(join(made.repo.dir, 'nodes', 'file.txt'));
    await symlink(join(outside, 'victim.txt'), join(made.repo.dir, 'nodes', 'file.txt'));
    await commitAndSync(new Map([['nodes/file.txt', null]]));
    expect(await readdir(outside)).toEqual(['victim.txt']);
    expect(await readFile(join(outside, 'victim.txt'), 'utf8')).toBe('keep\n');
  });
});
