/**
 * Replaying local commits on top of a branch tip fetched from the remote,
 * when another writer pushed first (the same node from a second process, a
 * CI job that rebased the branch). Each local commit's change — the files it
 * changed against its parent — is re-applied with `GitStore.commit` on top
 * of the remote tip, keeping its message and author. Nothing is merged and
 * nothing is force-pushed: the remote's commits stay, ours follow them.
 *
 * Why a path-level re-apply is right for reports: a report folder
 * (`findings/<node>/<target>/`) belongs to one target and is written whole
 * — report, SBOM, signature bundle and summary together — by one scan. If
 * both sides changed the same folder, they are two complete, independently
 * signed scans of the same target by the same node; the replayed (local)
 * one lands on top, the newer position in history, and the remote's version
 * stays in the history just below it, so no report is lost. Because whole
 * files are taken from one side, a folder never mixes a report with another
 * scan's signature. A local commit whose change the remote already has
 * (byte-identical files) commits nothing, so nothing is duplicated.
 *
 * @example
 *   const { tip } = await replayCommits(store, { branch: 'agents/n1', expectedTip: localTip, onto: remoteTip, commits });
 */
import { randomBytes } from 'node:crypto';
import { StellaError } from '../../core/errors.js';
import type { GitStore } from '../../core/git/git-store.js';
import { peekClaim } from '../../core/report/claim.js';
import { BUNDLE_FILE, RETIREMENT_FILE } from '../../core/report/layout.js';
import type { CommitInfo } from '../../core/git/git-store.js';
import { fileChanges } from '../../core/git/tree-diff.js';

export interface ReplayRequest {
  /** The local branch to move to the replayed tip. */
  branch: string;
  /** Where the local branch must still be when the replay finishes (compare-and-swap). */
  expectedTip: string;
  /** The fetched remote tip the commits go on top of. */
  onto: string;
  /** The local commits the remote does not have, oldest first. */
  commits: readonly CommitInfo[];
  /** The admission check, run on the replayed tip before the branch moves; throwing leaves the branch where it was. */
  admit?: (tip: string) => Promise<void>;
  /**
   * Re-signs a report or retirement bundle with a later sequence. Given, a
   * replayed bundle that the tip below already holds at the same or a
   * higher sequence (another process of the node signed the same target)
   * is moved above it; without it, the replay keeps the bundle as signed
   * and admission says why that cannot land.
   */
  resequence?: (bundle: Uint8Array, sequence: number) => Promise<Uint8Array>;
}

export interface ReplayResult {
  tip: string;
  /** Commits re-created on top of the remote tip. */
  replayed: number;
  /** Commits whose change the remote tip already held. */
  alreadyThere: number;
}

/**
 * Re-creates `commits` on top of `onto` and moves `branch` there, if it is still at `expectedTip`.
 *
 * @example const { tip, replayed } = await replayCommits(store, { branch, expectedTip: local, onto: fetched, commits: unpushed });
 */
export async function replayCommits(store: GitStore, request: ReplayRequest): Promise<ReplayResult> {
  // GitStore commits to a branch; a private scratch branch keeps the work invisible until it is complete.
  const scratch = `stella-replay/${request.branch.replace(/\//g, '-')}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const scratchRef = `refs/heads/${scratch}`;
  await store.writeRef(scratchRef, request.onto);
  try {
    let tip = request.onto;
    let tipTime = (await store.readCommit(tip)).time;
    let replayed = 0;
    let alreadyThere = 0;
    for (const commit of request.commits) {
      const parentTree = commit.parents[0] === undefined ? undefined : (await store.readCommit(commit.parents[0])).tree;
      const changes = await fileChanges(store, parentTree, commit.tree);
      if (request.resequence !== undefined) await resequenceOnto(store, tip, changes, request.resequence);
      // Never older than the commit below it: history walks order commits by time.
      const timestamp = Math.max(Math.floor(Date.now() / 1000), tipTime);
      const result = await store.commit({
        branch: scratch,
        parent: tip,
        changes,
        message: commit.message,
        author: { name: commit.author.name, email: commit.author.email, timestamp },
      });
      if (result.committed) {
        replayed += 1;
        tip = result.oid;
        tipTime = timestamp;
      } else {
        alreadyThere += 1;
      }
    }
    const current = await store.branchTip(request.branch);
    if (current !== request.expectedTip) {
      throw new StellaError('REPO_INVALID', `branch ${request.branch} moved to ${current?.slice(0, 12) ?? '(deleted)'} while replaying onto the remote; nothing was changed, retry`, {
        data: { branch: request.branch, expected: request.expectedTip, actual: current },
      });
    }
    await request.admit?.(tip);
    await store.writeRef(`refs/heads/${request.branch}`, tip);
    return { tip, replayed, alreadyThere };
  } finally {
    await store.deleteRef(scratchRef).catch(() => undefined);
  }
}

/** Re-signs, in `changes`, each bundle whose folder already holds one at `tip` with the same or a higher sequence. */
async function resequenceOnto(
  store: GitStore,
  tip: string,
  changes: Map<string, Uint8Array | null>,
  resequence: NonNullable<ReplayRequest['resequence']>,
): Promise<void> {
  for (const [path, bytes] of changes) {
    if (bytes === null || !(path.endsWith(`/${BUNDLE_FILE}`) || path.endsWith(`/${RETIREMENT_FILE}`))) continue;
    const ours = await peekClaim(bytes);
    if (ours === undefined) continue;
    const folder = path.slice(0, path.lastIndexOf('/'));
    let highest = 0;
    let same = false;
    for (const file of [BUNDLE_FILE, RETIREMENT_FILE]) {
      const held = await store.readFile(tip, `${folder}/${file}`);
      const theirs = held === undefined ? undefined : await peekClaim(held);
      if (theirs === undefined) continue;
      highest = Math.max(highest, theirs.claim.sequence);
      same ||= theirs.statementSha256 === ours.statementSha256;
    }
    if (!same && highest >= ours.claim.sequence) changes.set(path, await resequence(bytes, highest + 1));
  }
}
