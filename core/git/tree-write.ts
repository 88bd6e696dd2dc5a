/**
 * Writing a new root tree from a set of path changes: only the trees along
 * the changed paths are read and rewritten, so the cost follows the change,
 * not the repository.
 *
 * @example
 *   const tree = await applyChanges(store, baseTree, groupChanges(new Map([['a/b.json', bytes]])));
 */
import type { TreeEntry } from './git-store.js';
import { parseTreeEntries } from './object-parse.js';
import { treeBytes, writeObject, type ObjectSink } from './object-write.js';

const TREE_MODE = '040000';
const FILE_MODE = '100644';

/** Changes grouped by path segment: a leaf is bytes or null (delete), a folder is a nested map. */
export type ChangeTree = Map<string, Uint8Array | null | ChangeTree>;

/** @example groupChanges(new Map([['a/b', bytes]])) // Map { 'a' => Map { 'b' => bytes } } */
export function groupChanges(changes: ReadonlyMap<string, Uint8Array | null>): ChangeTree {
  const root: ChangeTree = new Map();
  for (const [path, content] of changes) {
    const parts = path.split('/');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let next = node.get(part);
      if (!(next instanceof Map)) {
        next = new Map();
        node.set(part, next);
      }
      node = next;
    }
    node.set(parts[parts.length - 1] as string, content);
  }
  return root;
}

/** Writes one tree object. @example await writeTree(store, []) // the empty tree's id */
export function writeTree(store: ObjectSink, entries: TreeEntry[]): Promise<string> {
  return writeObject(store, 'tree', treeBytes(entries));
}

/**
 * Rewrites one tree with its changes; returns undefined when the tree ends up empty.
 *
 * @example const root = await applyChanges(store, parentTree, groupChanges(changes));
 */
export async function applyChanges(store: ObjectSink, treeOid: string | undefined, changes: ChangeTree): Promise<string | undefined> {
  const entries = new Map<string, TreeEntry>();
  if (treeOid !== undefined) {
    for (const entry of parseTreeEntries(treeOid, (await store.objects.read(treeOid)).data)) entries.set(entry.path, entry);
  }
  let changed = false;
  for (const [name, change] of changes) {
    const existing = entries.get(name);
    if (change === null) {
      if (existing !== undefined) {
        entries.delete(name);
        changed = true;
      }
    } else if (change instanceof Uint8Array) {
      const oid = await writeObject(store, 'blob', change);
      if (existing?.oid !== oid || existing.mode !== FILE_MODE) {
        entries.set(name, { mode: FILE_MODE, path: name, oid, type: 'blob' });
        changed = true;
      }
    } else {
      const base = existing?.type === 'tree' ? existing.oid : undefined;
      const sub = await applyChanges(store, base, change);
      if (sub === undefined) {
        if (existing !== undefined) {
          entries.delete(name);
          changed = true;
        }
      } else if (sub !== existing?.oid) {
        entries.set(name, { mode: TREE_MODE, path: name, oid: sub, type: 'tree' });
        changed = true;
      }
    }
  }
  if (!changed && treeOid !== undefined) return treeOid;
  if (entries.size === 0) return undefined;
  return writeTree(store, [...entries.values()]);
}
