/**
 * Questions about commit history that push and pull ask — "which of my
 * commits does the remote lack?", "is A an ancestor of B?" — answered by
 * walking only the commits that differ, never the whole history.
 *
 * The walk is `commit-walk.ts` (the one a bundle export uses too), with a
 * few extra steps once only excluded commits older than everything selected
 * are left, so small clock skews settle exactly. Skew larger than that can
 * only make the answer include a commit the other side has — extra bytes on
 * a push, never a missing object.
 *
 * @example
 *   const unpushed = await commitsNotIn(store, [localTip], [remoteTip]);  // oldest first
 *   const ff = await isAncestor(store, localMain, remoteMain);
 */
import { StellaError } from '../errors.js';
import { walkCommits } from './commit-walk.js';
import type { CommitInfo, GitStore } from './git-store.js';
import { ObjectReader } from './object-reader.js';
import { storeFsOps } from './store-fs.js';

export type { CommitInfo };

/** Extra steps after the walk looks finished, so a few commits with skewed clocks are still seen. */
const SLOP = 5;
/** A walk longer than this means the histories are unrelated or enormous: stop rather than read everything. */
const DEFAULT_LIMIT = 200_000;

/**
 * Commits reachable from `from` and from none of `exclude`, oldest first
 * (every parent before its children). Excluded tips missing locally are
 * ignored: what we do not have cannot be an ancestor of what we do.
 *
 * @example const toSend = await commitsNotIn(store, [localTip], [...remoteTips]);
 */
export async function commitsNotIn(store: GitStore, from: readonly string[], exclude: readonly string[], limit = DEFAULT_LIMIT): Promise<CommitInfo[]> {
  const present: string[] = [];
  for (const oid of exclude) if (await store.hasCommit(oid)) present.push(oid);
  const { commits } = await walkCommits(new ObjectReader(store, undefined), from, present, { slop: SLOP, limit });
  return topoOldestFirst(await Promise.all(commits.map((oid) => store.readCommit(oid))));
}

/**
 * Refuses a shallow clone: its history stops at a cut, so "which commits
 * does the remote lack" has no answer from local history.
 *
 * @example await assertFullHistory(repo.store);
 */
export async function assertFullHistory(store: GitStore): Promise<void> {
  if ((await storeFsOps(store.fs).readdir(store.gitdir)).includes('shallow')) {
    throw new StellaError('REPO_INVALID', `${store.dir}: a shallow clone cannot push or pull; clone the state repository again without --depth`);
  }
}

/**
 * True when `ancestor` is `descendant` or one of its ancestors.
 *
 * @example if (await isAncestor(store, localMain, remoteMain)) … // a fast-forward
 */
export async function isAncestor(store: GitStore, ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor === descendant) return true;
  if (!(await store.hasCommit(ancestor))) return false;
  return (await commitsNotIn(store, [ancestor], [descendant])).length === 0;
}

/** Orders commits so each comes after its parents (within the set); ties keep time order. */
function topoOldestFirst(commits: CommitInfo[]): CommitInfo[] {
  const inSet = new Map(commits.map((c) => [c.oid, c]));
  const done = new Set<string>();
  const out: CommitInfo[] = [];
  const byTime = [...commits].sort((a, b) => a.time - b.time);
  for (const start of byTime) {
    // Iterative post-order: parents first, without recursion depth limits on long chains.
    const stack: { commit: CommitInfo; expanded: boolean }[] = [{ commit: start, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { commit: CommitInfo; expanded: boolean };
      if (done.has(top.commit.oid)) {
        stack.pop();
        continue;
      }
      if (top.expanded) {
        stack.pop();
        done.add(top.commit.oid);
        out.push(top.commit);
        continue;
      }
      top.expanded = true;
      for (const parent of top.commit.parents) {
        const p = inSet.get(parent);
        if (p !== undefined && !done.has(parent)) stack.push({ commit: p, expanded: false });
      }
    }
  }
  return out;
}
