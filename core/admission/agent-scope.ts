/**
 * An agent branch `agents/<node>` is the node's outbox: relative to where
 * it meets the trust ref (their merge base), it may change nothing but
 * `findings/<node>/`. A branch that edits a feed, a policy, the trust root
 * or another node's report is refused, whoever signed what — those reach
 * main by their own review, never riding along with a node's reports.
 *
 * @example
 *   await outsideScope(store, 'edge-1', branchTip, mainTip) // 'findings/edge-2/app/report.json' or undefined
 */
import type { GitStore } from '../git/git-store.js';
import { FINDINGS_DIR } from '../report/layout.js';

type Entries = Map<string, { oid: string; type: string }>;

/** The first path the branch changes outside `findings/<node>/` since its merge base with `trust`, or undefined. */
export async function outsideScope(store: GitStore, node: string, tip: string, trust: string | undefined): Promise<string | undefined> {
  const bases = trust === undefined ? [] : await store.mergeBases(tip, trust);
  const tipTree = await store.treeOf(tip);
  // Without a common commit, everything the branch holds is its own change.
  const baseTrees = bases.length === 0 ? [undefined] : await Promise.all(bases.map((b) => store.treeOf(b)));
  for (const base of baseTrees) {
    const found = await firstChange(store, base, tipTree, '', `${FINDINGS_DIR}/${node}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The first path a move from `from` to `to` changes outside `findings/<node>/`,
 * or undefined. Enough on its own only for a move that stacks single-parent
 * commits on an admitted tip: that tip was in scope, and the merge base with
 * the trust ref stays where it was, so the branch stays in scope exactly when
 * the move does.
 * @example const outside = await outsideScopeSince(store, 'n1', oldTip, newTip);
 */
export async function outsideScopeSince(store: GitStore, node: string, from: string, to: string): Promise<string | undefined> {
  return firstChange(store, await store.treeOf(from), await store.treeOf(to), '', `${FINDINGS_DIR}/${node}`);
}

/** Depth-first over two trees, skipping equal subtrees and the allowed folder. */
async function firstChange(store: GitStore, before: string | undefined, after: string | undefined, prefix: string, allowed: string): Promise<string | undefined> {
  const [a, b] = await Promise.all([entries(store, before), entries(store, after)]);
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const was = a.get(name);
    const now = b.get(name);
    if (was?.oid === now?.oid && was?.type === now?.type) continue;
    const path = `${prefix}${name}`;
    if (path === allowed) continue;
    const isFolderOnPath = allowed.startsWith(`${path}/`);
    if (!isFolderOnPath && was?.type !== 'tree' && now?.type !== 'tree') return path;
    if (isFolderOnPath && now !== undefined && now.type !== 'tree') return path;
    const found = await firstChange(store, was?.type === 'tree' ? was.oid : undefined, now?.type === 'tree' ? now.oid : undefined, `${path}/`, allowed);
    // A folder replaced by a file (or the reverse) at the path itself counts as a change there.
    if (found !== undefined) return found;
    if (!isFolderOnPath && was?.type !== now?.type) return path;
  }
  return undefined;
}

async function entries(store: GitStore, tree: string | undefined): Promise<Entries> {
  if (tree === undefined) return new Map();
  return new Map((await store.readTree(tree)).map((e) => [e.path, { oid: e.oid, type: e.type }]));
}
