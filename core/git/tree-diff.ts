/**
 * What changed between two trees, found by descending only into subtrees
 * whose ids differ — so comparing two commits of a repository with ten
 * thousand reports reads just the folders along the changed paths.
 *
 * Two views of the same walk: the objects the newer tree adds (what a push
 * must send), and the changed files with their new contents (what a replay
 * re-applies, and what a pull or an import writes to the work tree).
 *
 * @example
 *   const added = await newObjects(store, parentTree, commitTree);        // [{ oid, type, base? }]
 *   const changes = await fileChanges(store, oldTree, newTree);           // path → bytes, or null when deleted
 */
import type { GitStore, TreeEntry } from './git-store.js';

async function entries(store: GitStore, tree: string | undefined): Promise<Map<string, TreeEntry>> {
  if (tree === undefined) return new Map();
  const list = await store.readTree(tree);
  return new Map(list.map((entry) => [entry.path, entry]));
}

/** An object the newer tree adds, with the object at the same path before (a good delta base), if any. */
export interface NewObject {
  oid: string;
  type: 'tree' | 'blob';
  base?: string;
}

/**
 * The trees and blobs reachable from `to` that are not at the same place in `from`.
 *
 * @example const objects = await newObjects(store, parent.tree, commit.tree);
 */
export async function newObjects(store: GitStore, from: string | undefined, to: string): Promise<NewObject[]> {
  const out: NewObject[] = [];
  const visit = async (before: string | undefined, after: string): Promise<void> => {
    if (before === after) return;
    out.push(before === undefined ? { oid: after, type: 'tree' } : { oid: after, type: 'tree', base: before });
    const old = await entries(store, before);
    for (const entry of (await entries(store, after)).values()) {
      const previous = old.get(entry.path);
      if (previous?.oid === entry.oid) continue;
      // Gitlinks (type 'commit') point into other repositories: nothing to send.
      if (entry.type === 'tree') await visit(previous?.type === 'tree' ? previous.oid : undefined, entry.oid);
      else if (entry.type === 'blob') out.push(previous?.type === 'blob' ? { oid: entry.oid, type: 'blob', base: previous.oid } : { oid: entry.oid, type: 'blob' });
    }
  };
  await visit(from, to);
  return out;
}

/** A file of the newer tree, named by its blob (read or streamed by the caller). */
export interface ChangedBlob {
  oid: string;
  mode: string;
}

/**
 * Every file that differs between `from` and `to`: path → its blob in `to`,
 * or null when `to` no longer has it. Folders are expanded to their files, so
 * the result can be written to a work tree path by path; no blob is read.
 *
 * @example const changes = await fileChangeIds(store, oldMain.tree, newMain.tree); // Map { 'NOTES.md' => { oid, mode } }
 */
export async function fileChangeIds(store: GitStore, from: string | undefined, to: string | undefined): Promise<Map<string, ChangedBlob | null>> {
  const changes = new Map<string, ChangedBlob | null>();
  const visit = async (prefix: string, before: string | undefined, after: string | undefined): Promise<void> => {
    if (before === after) return;
    const [old, now] = await Promise.all([entries(store, before), entries(store, after)]);
    // Sorted, so the same two trees always give the same order of changes.
    for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
      const a = old.get(name);
      const b = now.get(name);
      if (a?.oid === b?.oid && a?.type === b?.type) continue;
      const path = `${prefix}${name}`;
      // A file that became a folder is deleted before the folder's files are added: later entries win when applied.
      if (a?.type === 'blob' && b?.type !== 'blob') changes.set(path, null);
      if (a?.type === 'tree' || b?.type === 'tree') await visit(`${path}/`, a?.type === 'tree' ? a.oid : undefined, b?.type === 'tree' ? b.oid : undefined);
      if (b?.type === 'blob') changes.set(path, { oid: b.oid, mode: b.mode });
    }
  };
  await visit('', from, to);
  return changes;
}

/**
 * `fileChangeIds` with each new file's bytes read.
 *
 * @example const changes = await fileChanges(store, oldMain.tree, newMain.tree); // Map { 'NOTES.md' => bytes }
 */
export async function fileChanges(store: GitStore, from: string | undefined, to: string | undefined): Promise<Map<string, Uint8Array | null>> {
  const changes = new Map<string, Uint8Array | null>();
  for (const [path, blob] of await fileChangeIds(store, from, to)) changes.set(path, blob === null ? null : await store.readBlob(blob.oid));
  return changes;
}

/**
 * `fileChanges` between the trees of two commits (`from` undefined: everything in `to`).
 *
 * @example const changes = await commitChanges(store, oldTip, newTip); // Map { 'findings/n1/app/report.json' => bytes }
 */
export async function commitChanges(store: GitStore, from: string | undefined, to: string): Promise<Map<string, Uint8Array | null>> {
  return fileChanges(store, from === undefined ? undefined : await store.treeOf(from), await store.treeOf(to));
}

/**
 * `fileChangeIds` between the trees of two commits.
 *
 * @example const changes = await commitChangeIds(store, oldTip, newTip);
 */
export async function commitChangeIds(store: GitStore, from: string | undefined, to: string): Promise<Map<string, ChangedBlob | null>> {
  return fileChangeIds(store, from === undefined ? undefined : await store.treeOf(from), await store.treeOf(to));
}
