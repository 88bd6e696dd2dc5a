/**
 * Keeps the checked-out work tree in step after the agent commits to the
 * branch it shows (normally `main`, for feeds and trust). Commits are made
 * through the object store; this writes just the changed paths to the work
 * tree and the Git index, so `git status` stays clean. A file a person has
 * edited locally is left alone (reported back), never overwritten.
 *
 * Writes never follow links: every folder on the way to a path is checked
 * with `lstat`, a symbolic link found there (or at the path itself) is
 * removed and replaced by a real folder (or file), and the file is opened
 * with O_NOFOLLOW. A link planted by a native checkout of a hostile commit
 * therefore cannot carry a write outside the repository.
 */
import { constants, writeSync } from 'node:fs';
import { lstat, mkdir, open, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ChangedBlob } from '../../core/git/tree-diff.js';
import { blobId, stageBlob, stageFiles, unstageFile } from '../../core/git/work-index.js';
import { fileBlobId } from './file-blob-id.js';
import type { StateRepo } from './state-repo.js';

/** Files at least this large are staged one by one by their known blob id, never read back to be hashed. */
const STAGE_BY_ID_BYTES = 1 << 20;

/**
 * Returns the paths left alone because they had local edits. A change is
 * new bytes, null (deleted), or a blob of the store (`ChangedBlob`), which
 * is streamed from its pack into the file, so a large one is never held.
 */
export async function syncWorktree(
  repo: StateRepo,
  branch: string,
  previousCommit: string | undefined,
  changes: ReadonlyMap<string, Uint8Array | ChangedBlob | null>,
): Promise<string[]> {
  const head = await repo.store.currentBranch();
  if (head !== `refs/heads/${branch}`) return [];
  const skipped: string[] = [];
  const written: string[] = [];
  // Blob ids of the changed paths before the commit, one tree read per folder.
  const before = new Map<string, string>();
  if (previousCommit !== undefined) {
    for (const folder of new Set([...changes.keys()].map((path) => dirname(path)))) {
      for (const entry of await repo.store.listFolder(previousCommit, folder === '.' ? '' : folder)) {
        before.set(folder === '.' ? entry.path : `${folder}/${entry.path}`, entry.oid);
      }
    }
  }
  for (const [path, content] of changes) {
    const full = join(repo.dir, path);
    const onDisk = await ownFileId(repo.dir, path);
    if (onDisk !== undefined) {
      const untouched = onDisk === before.get(path);
      const alreadyNew = content !== null && onDisk === (content instanceof Uint8Array ? await blobId(content) : content.oid);
      if (!untouched && !alreadyNew) {
        skipped.push(path);
        continue;
      }
    }
    if (content === null) {
      if (await realFolders(repo.dir, path, false)) await removeLeaf(full);
      await unstageFile(repo.store, path);
    } else {
      await realFolders(repo.dir, path, true);
      await removeLeaf(full, true);
      if (content instanceof Uint8Array) {
        await writeNoFollow(full, content);
        written.push(path);
      } else if ((await streamNoFollow(repo, full, content.oid)) < STAGE_BY_ID_BYTES) {
        written.push(path);
      } else {
        await stageBlob(repo.store, path, content.oid);
      }
    }
  }
  // One index update for all files: per-file updates rewrite the whole index each time.
  await stageFiles(repo.store, written);
  return skipped;
}

/** The blob id of a regular file at `path`, reached through real folders only; undefined for anything else. */
async function ownFileId(root: string, path: string): Promise<string | undefined> {
  if (!(await realFolders(root, path, false))) return undefined;
  const stats = await lstat(join(root, path)).catch(() => undefined);
  return stats?.isFile() === true ? fileBlobId(join(root, path)) : undefined;
}

/**
 * True when every folder on the way to `path` is a real folder. With
 * `create`, a missing folder is made and a symbolic link in its place is
 * removed first (the link goes, never what it points to).
 */
async function realFolders(root: string, path: string, create: boolean): Promise<boolean> {
  const parts = path.split('/').slice(0, -1);
  let at = root;
  for (const part of parts) {
    at = join(at, part);
    const stats = await lstat(at).catch(() => undefined);
    if (stats?.isDirectory() === true) continue;
    if (!create) return false;
    if (stats?.isSymbolicLink() === true) await unlink(at);
    await mkdir(at);
  }
  return true;
}

/** Removes what is at `full` when it is a file or a link (a link itself, not its target). */
async function removeLeaf(full: string, linksOnly = false): Promise<void> {
  const stats = await lstat(full).catch(() => undefined);
  if (stats === undefined) return;
  if (stats.isSymbolicLink()) await unlink(full);
  else if (!linksOnly) await rm(full, { force: true });
}

/** Writes a blob of the store to `full` as it inflates (synchronous writes: the inflater hands out views). Returns its size. */
async function streamNoFollow(repo: StateRepo, full: string, oid: string): Promise<number> {
  const handle = await open(full, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  let size = 0;
  try {
    await repo.store.objects.streamBlob(oid, (chunk) => {
      for (let done = 0; done < chunk.length; ) done += writeSync(handle.fd, chunk, done, chunk.length - done);
      size += chunk.length;
    });
  } finally {
    await handle.close();
  }
  return size;
}

async function writeNoFollow(full: string, content: Uint8Array): Promise<void> {
  const handle = await open(full, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}
