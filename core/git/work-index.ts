/**
 * The few operations on a repository's index (the staging area) that a
 * checked-out state repository needs: create a repository, stage and
 * unstage files the caller has written, commit what is staged. The object
 * store itself (`GitStore`) never needs a work tree; these keep `git status`
 * in a checkout truthful after the store moved a branch.
 *
 * @example
 *   await initRepository({ fs, dir }, 'main');
 *   const store = new GitStore({ fs, dir });
 *   await stageFiles(store, ['settings.yaml']);
 *   await commitStaged(store, 'Initialise', { name: 'stella', email: 'stella@localhost' });
 */
import { isoGit } from './iso-git.js';
import type { Author, StoreFs } from './git-store.js';

/** A repository with a work tree: the store's filesystem, work-tree folder and Git folder. */
export interface WorkTreeRepo {
  readonly fs: StoreFs;
  readonly dir: string;
  readonly gitdir: string;
  readonly cache?: object;
}

/** `git init` of `dir` with `defaultBranch` as HEAD. @example await initRepository({ fs, dir }, 'main'); */
export async function initRepository(target: { fs: StoreFs; dir: string }, defaultBranch: string): Promise<void> {
  await (await isoGit()).init({ fs: target.fs, dir: target.dir, defaultBranch });
}

/** Stages files already written in the work tree (one index rewrite for all of them). @example await stageFiles(repo, ['a.json']); */
export async function stageFiles(repo: WorkTreeRepo, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await (await isoGit()).add({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, filepath: [...paths], ...(repo.cache === undefined ? {} : { cache: repo.cache }) });
}

/**
 * Stages a file the caller wrote from blob `oid` of the store, without
 * reading it back (a large file is not hashed or copied again); the index
 * keeps no stat data for it, so git re-checks the file once.
 * @example await stageBlob(repo, 'feeds/big.bin', oid);
 */
export async function stageBlob(repo: WorkTreeRepo, path: string, oid: string): Promise<void> {
  await (await isoGit()).updateIndex({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, filepath: path, oid, mode: 0o100644, add: true, ...(repo.cache === undefined ? {} : { cache: repo.cache }) });
}

/** Removes a path from the index (the caller deleted the file). @example await unstageFile(repo, 'old.json'); */
export async function unstageFile(repo: WorkTreeRepo, path: string): Promise<void> {
  await (await isoGit()).remove({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, filepath: path });
}

/** Commits the index on HEAD's branch; returns the new commit id. @example await commitStaged(repo, 'msg', author); */
export async function commitStaged(repo: WorkTreeRepo, message: string, author: Author): Promise<string> {
  const who = { name: author.name, email: author.email, ...(author.timestamp === undefined ? {} : { timestamp: author.timestamp }) };
  return (await isoGit()).commit({ fs: repo.fs, dir: repo.dir, gitdir: repo.gitdir, message, author: who });
}

/** The blob id Git gives these bytes. @example await blobId(new TextEncoder().encode('x\n')) */
export async function blobId(bytes: Uint8Array): Promise<string> {
  return (await (await isoGit()).hashBlob({ object: bytes })).oid;
}
