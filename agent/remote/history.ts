/**
 * Questions about commit history that push and pull ask — "which of my
 * commits does the remote lack?", "is A an ancestor of B?" — answered by
 * walking only the commits that differ, never the whole history.
 *
 * The walk visits commits newest first (by committer time) from two sides:
 * the commits we want (`from`) and the ones known to be elsewhere
 * (`exclude`). A commit reached from an excluded tip is excluded, and so are
 * its ancestors. Once the queue holds only excluded commits older than
 * everything selected, a few more steps (for clock skew) settle it and the
 * walk stops, so the cost follows the size of the divergence. Skew larger
 * than that can only make the answer include a commit the other side has —
 * extra bytes on a push, never a missing object.
 *
 * @example
 *   const unpushed = await commitsNotIn(store, [localTip], [remoteTip]);  // oldest first
 *   const ff = await isAncestor(store, localMain, remoteMain);
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StellaError } from '../../core/errors.js';
import type { CommitInfo, GitStore } from '../../core/git/git-store.js';

export type { CommitInfo };

/** Extra steps after the walk looks finished, so a few commits with skewed clocks are still seen. */
const SLOP = 5;
/** A walk longer than this means the histories are unrelated or enormous: stop rather than read everything. */
const DEFAULT_LIMIT = 200_000;

/** @example const { parents, tree, time } = await readCommitInfo(store, oid); */
export async function readCommitInfo(store: GitStore, oid: string): Promise<CommitInfo> {
  return store.readCommit(oid);
}

/** True when the commit object is in the local object store. @example if (!(await hasCommit(store, tip))) await fetchBranch(…); */
export async function hasCommit(store: GitStore, oid: string): Promise<boolean> {
  return store.hasCommit(oid);
}

/**
 * Commits reachable from `from` and from none of `exclude`, oldest first
 * (every parent before its children). Excluded tips missing locally are
 * ignored: what we do not have cannot be an ancestor of what we do.
 *
 * @example const toSend = await commitsNotIn(store, [localTip], [...remoteTips]);
 */
export async function commitsNotIn(store: GitStore, from: readonly string[], exclude: readonly string[], limit = DEFAULT_LIMIT): Promise<CommitInfo[]> {
  const infos = new Map<string, CommitInfo>();
  const excluded = new Set<string>();
  const queued = new Set<string>();
  const queue: CommitInfo[] = []; // newest last, so pop() takes the newest
  const enqueue = async (oid: string): Promise<void> => {
    if (queued.has(oid)) return;
    queued.add(oid);
    if (infos.size >= limit) {
      throw new StellaError('LIMIT_EXCEEDED', `history walk from ${from.map((o) => o.slice(0, 12)).join(', ')} passed ${limit} commits; the histories look unrelated`);
    }
    const info = await readCommitInfo(store, oid);
    infos.set(oid, info);
    let at = queue.length;
    while (at > 0 && (queue[at - 1] as CommitInfo).time > info.time) at -= 1;
    queue.splice(at, 0, info);
  };
  // Excluding a commit excludes everything below it that we have already met.
  const exclude_ = (oid: string): void => {
    const stack = [oid];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (excluded.has(next)) continue;
      excluded.add(next);
      for (const parent of infos.get(next)?.parents ?? []) stack.push(parent);
    }
  };

  for (const oid of exclude) {
    if (!(await hasCommit(store, oid))) continue;
    exclude_(oid);
    await enqueue(oid);
  }
  for (const oid of from) await enqueue(oid);

  const selected: CommitInfo[] = [];
  let oldestSelected = Number.POSITIVE_INFINITY;
  let slop = SLOP;
  while (queue.length > 0) {
    const commit = queue.pop() as CommitInfo;
    if (excluded.has(commit.oid)) {
      for (const parent of commit.parents) exclude_(parent);
    } else {
      selected.push(commit);
      oldestSelected = Math.min(oldestSelected, commit.time);
    }
    for (const parent of commit.parents) await enqueue(parent);
    const stillOpen = queue.some((c) => !excluded.has(c.oid)) || (queue.length > 0 && (queue[queue.length - 1] as CommitInfo).time >= oldestSelected);
    if (stillOpen) slop = SLOP;
    else if (--slop <= 0) break;
  }
  return topoOldestFirst(selected.filter((c) => !excluded.has(c.oid)));
}

/**
 * Refuses a shallow clone: its history stops at a cut, so "which commits
 * does the remote lack" has no answer from local history.
 *
 * @example await assertFullHistory(repo.store);
 */
export async function assertFullHistory(store: GitStore): Promise<void> {
  const shallow = await stat(join(store.gitdir, 'shallow')).then(
    () => true,
    () => false,
  );
  if (shallow) {
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
  if (!(await hasCommit(store, ancestor))) return false;
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
