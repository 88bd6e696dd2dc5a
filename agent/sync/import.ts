/**
 * `stella sync import`: a git bundle file (ours or native git's) into the
 * state repository. The checks and the object work are core's
 * `importBundle`; this adds the file, and keeps the checked-out work tree in
 * step when the branch it shows moved (a file a person edited is left alone
 * and reported).
 *
 * @example
 *   const summary = await importBundleFile(repo, '/media/usb/next.bundle');
 *   const refused = summary.updates.filter((u) => u.status === 'refused');
 */
import { readFile } from 'node:fs/promises';
import { StellaError } from '../../core/errors.js';
import { importBundle, type ImportResult } from '../../core/git/bundle.js';
import type { GitStore } from '../../core/git/git-store.js';
import type { StateRepo } from '../repo/state-repo.js';
import { syncWorktree } from '../repo/worktree.js';

export interface ImportFileOptions {
  /** Move branches and tags even when that drops local commits. */
  force?: boolean;
  /** Put branches under `refs/remotes/<name>/` instead of `refs/heads/`. */
  asRemote?: string;
}

export interface ImportSummary extends ImportResult {
  /** Set when the checked-out branch moved and the work tree was brought along. */
  worktree: { branch: string; changed: number; leftAlone: string[] } | undefined;
}

/**
 * Imports the bundle at `file`. Errors (bad bundle, damaged pack, missing
 * prerequisites, incomplete history) leave the repository unchanged.
 *
 * @example await importBundleFile(repo, 'state.bundle', { asRemote: 'bundle' })
 */
export async function importBundleFile(repo: StateRepo, file: string, options: ImportFileOptions = {}): Promise<ImportSummary> {
  const bytes = await readFile(file).catch((cause: unknown) => {
    const code = (cause as { code?: unknown }).code;
    throw new StellaError(code === 'ENOENT' ? 'NOT_FOUND' : 'USAGE', `${file}: cannot read the bundle (${String(code ?? cause)})`, { cause });
  });
  const head = await repo.store.currentBranch();
  const result = await importBundle(repo.store, bytes, {
    source: file,
    ...(options.force === true ? { force: true } : {}),
    ...(options.asRemote === undefined ? {} : { asRemote: options.asRemote }),
  });
  const moved = result.updates.find((u) => u.ref === head && u.status !== 'refused' && u.status !== 'unchanged');
  let worktree: ImportSummary['worktree'];
  if (moved !== undefined && typeof head === 'string') {
    const branch = head.slice('refs/heads/'.length);
    const changes = await changedFiles(repo.store, moved.previous, moved.oid);
    const leftAlone = await syncWorktree(repo, branch, moved.previous, changes);
    worktree = { branch, changed: changes.size, leftAlone };
  }
  return { ...result, worktree };
}

interface Entry {
  type: string;
  oid: string;
}

/**
 * Files that differ between two commits: new content, or null when the file
 * is gone. Subtrees with the same id are skipped without being read.
 * @example await changedFiles(repo.store, oldTip, newTip) // Map { 'findings/n1/app/report.json' => bytes }
 */
export async function changedFiles(store: GitStore, from: string | undefined, to: string): Promise<Map<string, Uint8Array | null>> {
  const changes = new Map<string, Uint8Array | null>();
  const entries = async (tree: string | undefined): Promise<Map<string, Entry>> => {
    if (tree === undefined) return new Map();
    const items = await store.readTree(tree);
    return new Map(items.map((item) => [item.path, { type: item.type, oid: item.oid }]));
  };
  const visit = async (prefix: string, before: string | undefined, after: string | undefined): Promise<void> => {
    const [a, b] = await Promise.all([entries(before), entries(after)]);
    for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const was = a.get(name);
      const now = b.get(name);
      if (was?.oid === now?.oid && was?.type === now?.type) continue;
      const path = `${prefix}${name}`;
      // Deletions first, so a file that becomes a folder (or the reverse) is out of the way.
      if (was?.type === 'blob' && now?.type !== 'blob') changes.set(path, null);
      if (was?.type === 'tree' || now?.type === 'tree') {
        await visit(`${path}/`, was?.type === 'tree' ? was.oid : undefined, now?.type === 'tree' ? now.oid : undefined);
      }
      if (now?.type === 'blob') changes.set(path, await store.readBlob(now.oid));
    }
  };
  await visit('', from === undefined ? undefined : await store.treeOf(from), await store.treeOf(to));
  return changes;
}
