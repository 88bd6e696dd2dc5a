/**
 * `stella pull`: bring `main` (trust, feeds, settings) and this node's own
 * branch from the remote. `main` only ever fast-forwards: if the local main
 * is not an ancestor of the remote's — the remote's history was rewritten,
 * or both sides moved — the pull refuses and changes nothing local (no
 * branch, index or work-tree file; fetched objects just sit unreferenced).
 * Both moves pass the admission check (`core/admission`) before either
 * happens — main as the trust ref, this node's branch against it — and a
 * ref moves only after its work tree is in step. On a fast-forward only the
 * paths that changed are written to the work tree, and a file edited
 * locally is left alone and reported.
 *
 * @example
 *   const result = await pullState(repo, { node: 'edge-1', remote, credentials });
 *   if (result.main.status === 'fast-forwarded') console.log(`${result.main.changedPaths} paths updated`);
 */
import { admitRefMove } from '../../core/admission/admit.js';
import { StellaError } from '../../core/errors.js';
import { agentBranch } from '../../core/report/layout.js';
import type { GitStore } from '../../core/git/git-store.js';
import { commitChangeIds } from '../../core/git/tree-diff.js';
import { applyAdmitted } from '../repo/admitted-move.js';
import { MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import type { Credentials } from './credentials.js';
import { fetchBranch } from './fetch.js';
import { assertFullHistory, isAncestor } from '../../core/git/history.js';
import { trackingRef, type Remote } from './remote.js';
import { openSession, type Session, type Transport, type WireStats } from './session.js';

export interface PullOptions {
  node: string;
  remote: Remote;
  credentials?: Credentials | undefined;
  /** A `fetch`-shaped transport (default: the global fetch). */
  http?: Transport;
}

export type BranchStatus = 'fast-forwarded' | 'created' | 'up-to-date' | 'ahead' | 'diverged' | 'absent';

export interface BranchUpdate {
  branch: string;
  status: BranchStatus;
  /** Local tip before and after. */
  from: string | undefined;
  to: string | undefined;
}

export interface PullResult {
  remote: string;
  main: BranchUpdate & { changedPaths: number; keptLocalEdits: string[] };
  /**
   * `ahead`: local commits to push; `diverged`: another writer pushed too —
   * `stella push` replays the local commits on top.
   */
  agent: BranchUpdate;
  wire: WireStats;
}

/**
 * Fetches `main` and `agents/<node>`, fast-forwards what can be fast-forwarded and syncs main's changed paths to the work tree.
 * Throws REPO_INVALID, changing nothing local, when main cannot fast-forward.
 *
 * @example const { main, agent, wire } = await pullState(repo, { node: 'edge-1', remote: await resolveRemote(repo.store.gitdir) });
 */
export async function pullState(repo: StateRepo, options: PullOptions): Promise<PullResult> {
  const session = openSession(options.remote, options.credentials, options.http);
  try {
    return await pullWith(session, repo, options);
  } finally {
    session.close();
  }
}

async function pullWith(session: Session, repo: StateRepo, options: PullOptions): Promise<PullResult> {
  const { store } = repo;
  const { remote } = options;
  await assertFullHistory(store);
  const { refs, capabilities } = await session.listRefs('upload-pack');
  const remoteMain = refs.get(`refs/heads/${MAIN_BRANCH}`);
  if (remoteMain === undefined) throw new StellaError('REPO_INVALID', `remote ${remote.url} has no ${MAIN_BRANCH} branch; nothing to pull`, { data: { remote: remote.url } });

  const branch = agentBranch(options.node);
  const seenBefore = await resolveOptional(store, trackingRef(remote, MAIN_BRANCH));
  const agentSeenBefore = await resolveOptional(store, trackingRef(remote, branch));
  const main = await fetchBranch(session, store, MAIN_BRANCH, remoteMain, capabilities);
  const remoteAgent = refs.get(`refs/heads/${branch}`);
  const agentTip = remoteAgent === undefined ? undefined : await fetchBranch(session, store, branch, remoteAgent, capabilities);

  // Decide everything first, so a refusal leaves every local branch as it was.
  const localMain = await store.branchTip(MAIN_BRANCH);
  const mainStatus = await compare(store, localMain, main);
  if (mainStatus === 'diverged') {
    const error = await refusal(store, remote, localMain as string, main, seenBefore);
    await restoreTracking(store, trackingRef(remote, MAIN_BRANCH), seenBefore);
    await restoreTracking(store, trackingRef(remote, branch), agentSeenBefore);
    throw error;
  }
  const localAgent = await store.branchTip(branch);
  const agentStatus = agentTip === undefined ? 'absent' : await compare(store, localAgent, agentTip);

  let changedPaths = 0;
  let keptLocalEdits: string[] = [];
  const moves = mainStatus === 'fast-forwarded' || mainStatus === 'created';
  const agentMoves = (agentStatus === 'fast-forwarded' || agentStatus === 'created') && agentTip !== undefined;
  try {
    // Both moves are admitted before either happens: a refused agent branch leaves main where it was too.
    const source = `remote ${remote.url}`;
    const agentTips = agentTip === undefined ? [] : [agentTip];
    const mainMove = { ref: `refs/heads/${MAIN_BRANCH}`, from: localMain, to: main };
    if (moves) await admitRefMove(store, mainMove, { source, agentTips });
    const agentMove = { ref: `refs/heads/${branch}`, from: localAgent, to: agentTip as string };
    if (agentMoves) await admitRefMove(store, agentMove, { source, trust: moves ? main : localMain });
    if (moves) {
      const worktree = await applyAdmitted(repo, mainMove);
      keptLocalEdits = worktree?.leftAlone ?? [];
      changedPaths = worktree?.changed ?? (await commitChangeIds(store, localMain, main)).size;
    }
    if (agentMoves) await applyAdmitted(repo, agentMove);
  } catch (error) {
    await restoreTracking(store, trackingRef(remote, MAIN_BRANCH), seenBefore);
    await restoreTracking(store, trackingRef(remote, branch), agentSeenBefore);
    throw error;
  }

  const settled = (status: BranchStatus, from: string | undefined, to: string | undefined): string | undefined =>
    status === 'fast-forwarded' || status === 'created' ? to : from;
  return {
    remote: remote.url,
    main: { branch: MAIN_BRANCH, status: mainStatus, from: localMain, to: settled(mainStatus, localMain, main), changedPaths, keptLocalEdits },
    agent: { branch, status: agentStatus, from: localAgent, to: settled(agentStatus, localAgent, agentTip) },
    wire: session.wire,
  };
}

async function compare(store: GitStore, local: string | undefined, remoteTip: string): Promise<Exclude<BranchStatus, 'absent'>> {
  if (local === undefined) return 'created';
  if (local === remoteTip) return 'up-to-date';
  if (await isAncestor(store, local, remoteTip)) return 'fast-forwarded';
  if (await isAncestor(store, remoteTip, local)) return 'ahead';
  return 'diverged';
}

/** Why the fast-forward is impossible: the remote rewrote what we saw of it, or both sides moved on. */
async function refusal(store: GitStore, remote: Remote, local: string, fetched: string, seenBefore: string | undefined): Promise<StellaError> {
  const short = (oid: string): string => oid.slice(0, 12);
  const rewritten = seenBefore !== undefined && !(await isAncestor(store, seenBefore, fetched));
  const why = rewritten
    ? `the remote's history was rewritten (its ${MAIN_BRANCH} was at ${short(seenBefore)}, which ${short(fetched)} does not contain)`
    : `local ${MAIN_BRANCH} has commits the remote lacks and the remote moved on`;
  return new StellaError(
    'REPO_INVALID',
    `cannot fast-forward ${MAIN_BRANCH} (${short(local)}) to ${remote.url} ${MAIN_BRANCH} (${short(fetched)}): ${why}; nothing local was changed`,
    { data: { remote: remote.url, branch: MAIN_BRANCH, local, remoteTip: fetched, previouslySeen: seenBefore, reason: rewritten ? 'rewritten' : 'diverged' } },
  );
}

async function resolveOptional(store: GitStore, ref: string): Promise<string | undefined> {
  return store.readRef(ref).catch(() => undefined);
}

/** Puts a tracking ref back where it was, so a refused pull leaves no trace in the refs at all. */
async function restoreTracking(store: GitStore, ref: string, value: string | undefined): Promise<void> {
  if (value === undefined) await store.deleteRef(ref).catch(() => undefined);
  else await store.writeRef(ref, value);
}
