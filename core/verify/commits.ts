/**
 * Read-only walks over commit history for verification: parents, the blob
 * at a path in a commit, every ancestor of a tip. Commits and trees are
 * memoised by id — history shares almost all of its trees, so walking a
 * path back through a thousand commits reads each distinct tree once.
 *
 * A commit missing from the clone (a shallow fetch) ends the walk there and
 * is remembered, so the caller can say what to fetch.
 *
 * @example
 *   const graph = new CommitGraph(store);
 *   const blob = await graph.blobAt(tip, 'trust/root.json');
 *   const oldestFirst = await graph.ancestors(tip);
 */
import type { CommitInfo, GitStore } from '../git/git-store.js';
import { isAncestor } from '../git/history.js';

/** A folder's entries by name. */
export type TreeEntries = Map<string, { oid: string; type: string }>;

export class CommitGraph {
  /** Commits named as parents but absent from the object store. */
  readonly missing = new Set<string>();
  private readonly commits = new Map<string, CommitInfo | undefined>();
  private readonly trees = new Map<string, TreeEntries>();

  constructor(private readonly store: GitStore) {}

  /** Parents of a commit that exist in this clone. */
  async parents(commit: string): Promise<string[]> {
    const info = await this.read(commit);
    if (info === undefined) return [];
    const present: string[] = [];
    for (const parent of info.parents) if ((await this.read(parent)) !== undefined) present.push(parent);
    return present;
  }

  /**
   * The first parent of a commit (the branch's own line, as `git log
   * --first-parent` follows it), or undefined for a root commit or one whose
   * parent is missing from this clone.
   */
  async firstParent(commit: string): Promise<string | undefined> {
    const parent = (await this.read(commit))?.parents[0];
    if (parent === undefined || (await this.read(parent)) === undefined) return undefined;
    return parent;
  }

  /** The blob (or tree) id at `path` in a commit, or undefined when absent. */
  async blobAt(commit: string, path: string): Promise<string | undefined> {
    const info = await this.read(commit);
    if (info === undefined) return undefined;
    let oid = info.tree;
    let type = 'tree';
    for (const name of path.split('/')) {
      if (type !== 'tree') return undefined; // a file where a folder should be
      const entry = (await this.tree(oid)).get(name);
      if (entry === undefined) return undefined;
      ({ oid, type } = entry);
    }
    return oid;
  }

  /** The entries of the folder at `path` in a commit (empty when absent or not a folder). */
  async entriesAt(commit: string, path: string): Promise<TreeEntries> {
    const info = await this.read(commit);
    if (info === undefined) return new Map();
    let entries = await this.tree(info.tree);
    for (const name of path === '' ? [] : path.split('/')) {
      const entry = entries.get(name);
      if (entry === undefined || entry.type !== 'tree') return new Map();
      entries = await this.tree(entry.oid);
    }
    return entries;
  }

  /** True when `ancestor` is `descendant` or one of its ancestors (a walk over what differs, `git/history.ts`). */
  isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return isAncestor(this.store, ancestor, descendant);
  }

  /** A blob's bytes. */
  readBlob(oid: string): Promise<Uint8Array> {
    return this.store.readBlob(oid);
  }

  /**
   * Every commit reachable from `tip`, each after all of its parents
   * (oldest first), so a walk can rely on having seen a commit's history.
   * Commits for which `beyond` is true are neither listed nor walked past:
   * a caller that judged a commit's whole history before names it there,
   * and the walk then costs what is new, not the length of the history.
   */
  async ancestors(tip: string, beyond?: (commit: string) => boolean): Promise<string[]> {
    const order: string[] = [];
    const done = new Set<string>();
    if (beyond?.(tip) === true) return order;
    // Iterative depth-first post-order: histories are far deeper than the call stack.
    const stack: { oid: string; expanded: boolean }[] = [{ oid: tip, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { oid: string; expanded: boolean };
      if (done.has(top.oid)) {
        stack.pop();
        continue;
      }
      if (top.expanded) {
        stack.pop();
        done.add(top.oid);
        order.push(top.oid);
        continue;
      }
      top.expanded = true;
      for (const parent of [...(await this.parents(top.oid))].reverse()) {
        if (!done.has(parent) && beyond?.(parent) !== true) stack.push({ oid: parent, expanded: false });
      }
    }
    return order;
  }

  private async read(commit: string): Promise<CommitInfo | undefined> {
    if (this.commits.has(commit)) return this.commits.get(commit);
    let info: CommitInfo | undefined;
    try {
      // The store's commit reader, the one history walks and push/pull use.
      info = await this.store.readCommit(commit);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'NotFoundError') throw error;
      this.missing.add(commit);
    }
    this.commits.set(commit, info);
    return info;
  }

  private async tree(oid: string): Promise<TreeEntries> {
    const cached = this.trees.get(oid);
    if (cached !== undefined) return cached;
    const entries: TreeEntries = new Map();
    for (const entry of await this.store.listFolder(oid, '')) entries.set(entry.path, { oid: entry.oid, type: entry.type });
    this.trees.set(oid, entries);
    return entries;
  }
}
