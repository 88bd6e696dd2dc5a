/**
 * Admission: the one check every operation that moves a local ref runs
 * before the ref moves — `stella pull` (main and the node's own branch),
 * `stella sync import`, `stella kit import`, `stella push` after a replay,
 * and the edge. GitStore and options in; an `Admission` or a StellaError
 * (VERIFY_FAILED, one line naming the path and the rule) out. It changes
 * nothing: the caller moves the ref, after the work tree is in step.
 *
 * The steps, cheapest first:
 *
 * 1. `ref-name`: only `main` and `agents/<node>` move (`refs.ts`);
 *    `main-onto-agent-tip`: main is never moved to an agent branch's tip —
 *    reports reach main by a reviewed merge, not by renaming a node's branch;
 * 2. `tree-hygiene`: no symlink, submodule or special name in the new tip
 *    or in any commit the move brings (`tree-hygiene.ts`);
 * 3. `agent-scope`: an agent branch changes only `findings/<node>/`
 *    since its merge base with the trust ref (`agent-scope.ts`; a move that
 *    only stacks commits on the admitted old tip is judged by its own diff);
 * 4. `verify` / `trust-chain`: `stella verify` of the new tip (`trust-step.ts`);
 * 5. for main, against the old tip: `feed-rollback` — no OSV record,
 *    table or feed goes back (`feed-floor.ts`, `core/feeds/osv/rollback.ts`);
 *    `signed-deletion` — no signed file deleted without a signed
 *    tombstone (`signed-deletions.ts`).
 *
 * @example
 *   await admitRefMove(store, { ref: 'refs/heads/main', from: localMain, to: fetched }, { source: `remote ${url}` });
 *   await store.writeRef('refs/heads/main', fetched); // only now
 */
import { checkAdvisoryRollback, type ShardState } from '../feeds/osv/rollback.js';
import { OSV_SHARD_DIR } from '../feeds/osv/shard.js';
import type { CommitInfo, GitStore } from '../git/git-store.js';
import { commitsNotIn } from '../git/history.js';
import { outsideScope, outsideScopeSince } from './agent-scope.js';
import { feedFloorProblem } from './feed-floor.js';
import { branchOf } from './refs.js';
import { deletionProblem } from './signed-deletions.js';
import { treeProblem } from '../git/tree-hygiene.js';
import { verifyFailure } from './trust-step.js';
import { label, refusal, type Admission, type AdmissionOptions, type RefMove } from './types.js';

export type { Admission, AdmissionOptions, AdmissionRule, RefMove } from './types.js';

/**
 * Decides whether `move` may happen (see the module comment). Throws
 * VERIFY_FAILED with `data.rule` and `data.path` when it may not.
 * @example const { newCommits } = await admitRefMove(store, move, { trust: mainTip });
 */
export async function admitRefMove(store: GitStore, move: RefMove, options: AdmissionOptions = {}): Promise<Admission> {
  const branch = branchOf(move.ref);
  if (branch === undefined) throw refusal(move, options, 'ref-name', move.ref, 'only main and agents/<node> may be created or moved from outside');
  if (branch.$case === 'main' && move.to !== move.from && (options.agentTips ?? []).includes(move.to)) {
    throw refusal(move, options, 'main-onto-agent-tip', move.ref, "would move main to an agent branch's tip; reports reach main through a reviewed merge");
  }
  const commits = await newCommits(store, move.to, [move.from, options.trust]);
  // The old tip was checked when it arrived: only trees that differ from it are read.
  const hygiene = await treeProblem(store, [move.to, ...commits.map((c) => c.oid)], move.from);
  if (hygiene !== undefined) throw refusal(move, options, 'tree-hygiene', hygiene.path, hygiene.problem);
  if (branch.$case === 'agent') {
    // A move that only stacks commits on the admitted old tip keeps its merge base with the trust ref, so
    // what it changes is all there is to judge; otherwise the branch's change since that base is.
    const outside =
      move.from !== undefined && stacksOn(move.from, commits)
        ? await outsideScopeSince(store, branch.node, move.from, move.to)
        : await outsideScope(store, branch.node, move.to, options.trust);
    if (outside !== undefined) throw refusal(move, options, 'agent-scope', outside, `agents/${branch.node} may change only findings/${branch.node}/`);
  }
  const failure = await verifyFailure(store, move, branch, options);
  if (failure !== undefined) {
    const rule = failure.where.endsWith('trust/root.json') ? 'trust-chain' : 'verify';
    throw refusal(move, options, rule, failure.where, `does not verify (${failure.reason})`);
  }
  if (branch.$case === 'main' && move.from !== undefined && move.from !== move.to) await checkFloors(store, move, options);
  return { move, branch, newCommits: commits.length };
}

/** What the old tip of main holds that the new one must not take back. */
async function checkFloors(store: GitStore, move: RefMove, options: AdmissionOptions): Promise<void> {
  const from = move.from as string;
  const current = new Map((await store.walkFiles(from, OSV_SHARD_DIR)).map((f) => [f.path, f.oid]));
  const next = await store.walkFiles(move.to, OSV_SHARD_DIR);
  const incoming = new Map<string, ShardState>(next.map((f) => [f.path, { oid: f.oid }]));
  const changed = new Map<string, Uint8Array>();
  for (const file of next) if (current.get(file.path) !== file.oid) changed.set(file.path, await store.readBlob(file.oid));
  const where = label(move, options);
  try {
    await checkAdvisoryRollback(where, current, incoming, (oid) => store.readBlob(oid), (path) => changed.get(path));
  } catch (error) {
    if ((error as { data?: { reason?: unknown } }).data?.reason !== 'rollback') throw error;
    throw refusal(move, options, 'feed-rollback', OSV_SHARD_DIR, (error as Error).message.slice(where.length + 2));
  }
  const feed = await feedFloorProblem(store, from, move.to);
  if (feed !== undefined) throw refusal(move, options, 'feed-rollback', feed.path, feed.problem);
  const deleted = await deletionProblem(store, from, move.to, options.now ?? new Date());
  if (deleted !== undefined) throw refusal(move, options, 'signed-deletion', deleted.path, deleted.problem);
}

/**
 * Commits reachable from `tip` and from none of `known`, newest first. The walk reads only the
 * commits near the difference (`git/history.ts`), not the whole history: the edge admits a
 * node's commit every few seconds onto a branch that grows by one commit each time.
 */
async function newCommits(store: GitStore, tip: string, known: readonly (string | undefined)[]): Promise<CommitInfo[]> {
  const exclude = known.filter((commit): commit is string => commit !== undefined);
  return (await commitsNotIn(store, [tip], exclude, Number.POSITIVE_INFINITY)).reverse();
}

/** True when `commits` (newest first) is a single-parent chain whose oldest commit's parent is `base`. */
function stacksOn(base: string, commits: readonly CommitInfo[]): boolean {
  if (commits.length === 0) return false;
  for (const [index, commit] of commits.entries()) {
    const below = commits[index + 1]?.oid ?? base;
    if (commit.parents.length !== 1 || commit.parents[0] !== below) return false;
  }
  return true;
}
