/**
 * Keeps the checked-out work tree in step after the agent commits to the
 * branch it shows (normally `main`, for feeds and trust). Commits are made
 * through the object store; this writes just the changed paths to the work
 * tree and the Git index, so `git status` stays clean. A file a person has
 * edited locally is left alone (reported back), never overwritten.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { blobId, stageFiles, unstageFile } from '../../core/git/work-index.js';
import type { StateRepo } from './state-repo.js';

/** Returns the paths left alone because they had local edits. */
export async function syncWorktree(
  repo: StateRepo,
  branch: string,
  previousCommit: string | undefined,
  changes: ReadonlyMap<string, Uint8Array | null>,
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
    const onDisk = await readFile(full).catch(() => undefined);
    if (onDisk !== undefined) {
      const oid = await blobId(onDisk);
      const untouched = oid === before.get(path);
      const alreadyNew = content !== null && Buffer.from(onDisk).equals(Buffer.from(content));
      if (!untouched && !alreadyNew) {
        skipped.push(path);
        continue;
      }
    }
    if (content === null) {
      await rm(full, { force: true });
      await unstageFile(repo.store, path);
    } else {
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
      written.push(path);
    }
  }
  // One index update for all files: per-file updates rewrite the whole index each time.
  await stageFiles(repo.store, written);
  return skipped;
}
