/**
 * `stella pull`: bring `main` (trust, feeds, settings) and this node's own
 * branch from the remote. `main` only ever fast-forwards: if the local main
 * is not an ancestor of the remote's — the remote's history was rewritten,
 * or both sides moved — the pull refuses and changes nothing local (no
 * branch, index or work-tree file; fetched objects just sit unreferenced).
 * On a fast-forward only the paths that changed are written to the work
 * tree, and a file edited locally is left alone and reported.
 *
 * @example
 *   const result = await pullState(repo, { node: 'edge-1', remote, credentials });
 *   if (result.main.status === 'fast-forwarded') console.log(`${result.main.changedPaths} paths updated`);
 */
import { checkAdvisoryRollback } from '../../core/feeds/osv/rollback.js';
import { OSV_SHARD_DIR } from '../../core/feeds/osv/shard.js';
import { verifyRepository } from '../../core/verify/verify-repo.js';
import { StellaError } from '../../core/errors.js';
import { agentBranch } from '../../core/report/layout.js';
import { assertSafePath, type GitStore } from '../../core/git/git-store.js';
import { MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { syncWorktree } from '../repo/worktree.js';
import type { Credentials } from './credentials.js';
import { fetchBranch } from './fetch.js';
import { assertFullHistory, isAncestor, readCommitInfo } from './history.js';
import { trackingRef, type Remote } from './remote.js';
import { openSession, type Session, type Transport, type WireStats } from './session.js';
import { fileChanges } from './tree-diff.js';

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

  if (mainStatus === 'fast-forwarded' || mainStatus === 'created') {
    try {
      await checkIncomingMain(store, remote, localMain, main);
    } catch (error) {
      await restoreTracking(store, trackingRef(remote, MAIN_BRANCH), seenBefore);
      await restoreTracking(store, trackingRef(remote, branch), agentSeenBefore);
      throw error;
    }
  }

  let changedPaths = 0;
  let keptLocalEdits: string[] = [];
  if (mainStatus === 'fast-forwarded' || mainStatus === 'created') {
    const before = localMain === undefined ? undefined : (await readCommitInfo(store, localMain)).tree;
    const changes = await fileChanges(store, before, (await readCommitInfo(store, main)).tree);
    // The remote chose these names: none may reach outside the work tree or into .git.
    for (const path of changes.keys()) assertSafePath(path);
    await moveBranch(store, MAIN_BRANCH, localMain, main);
    keptLocalEdits = await syncWorktree(repo, MAIN_BRANCH, localMain, changes);
    changedPaths = changes.size;
  }
  if ((agentStatus === 'fast-forwarded' || agentStatus === 'created') && agentTip !== undefined) await moveBranch(store, branch, localAgent, agentTip);

  const settled = (status: BranchStatus, from: string | undefined, to: string | undefined): string | undefined =>
    status === 'fast-forwarded' || status === 'created' ? to : from;
  return {
    remote: remote.url,
    main: { branch: MAIN_BRANCH, status: mainStatus, from: localMain, to: settled(mainStatus, localMain, main), changedPaths, keptLocalEdits },
    agent: { branch, status: agentStatus, from: localAgent, to: settled(agentStatus, localAgent, agentTip) },
    wire: session.wire,
  };
}

/**
 * Distribution by commit: what main brings (feeds, VEX, policies, trust) is
 * applied only if it verifies — the trust root chain from the anchor this
 * clone already has, every feed manifest and policy signed by an authorised
 * key — and if it moves no advisory backwards (a rollback). Otherwise the
 * pull is refused with the first reason and nothing changes.
 */
async function checkIncomingMain(store: GitStore, remote: Remote, localMain: string | undefined, incoming: string): Promise<void> {
  const short = incoming.slice(0, 12);
  const verified = await verifyRepository(store, { main: incoming, branches: [] });
  const first = verified.failures[0];
  if (first !== undefined) {
    throw new StellaError('VERIFY_FAILED', `remote ${remote.url} main ${short} does not verify (${first.where}: ${first.reason}); nothing pulled`, {
      data: { remote: remote.url, failures: verified.failures.length },
    });
  }
  if (localMain === undefined) return;
  const current = new Map((await store.walkFiles(localMain, OSV_SHARD_DIR)).map((f) => [f.path, f.oid]));
  const next = await store.walkFiles(incoming, OSV_SHARD_DIR);
  const incomingShards = new Map(next.map((f) => [f.path, { oid: f.oid }]));
  const changed = new Map<string, Uint8Array>();
  for (const file of next) if (current.get(file.path) !== file.oid) changed.set(file.path, await store.readBlob(file.oid));
  await checkAdvisoryRollback(`remote ${remote.url} main ${short}`, current, incomingShards, (oid) => store.readBlob(oid), (path) => changed.get(path));
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

async function moveBranch(store: GitStore, branch: string, expected: string | undefined, value: string): Promise<void> {
  // Same compare-and-swap as GitStore.commit: a local writer that moved the branch meanwhile wins, we report it.
  const current = await store.branchTip(branch);
  if (current !== expected) {
    throw new StellaError('REPO_INVALID', `branch ${branch} moved to ${current?.slice(0, 12) ?? '(deleted)'} during the pull; run stella pull again`, {
      data: { branch, expected, actual: current },
    });
  }
  await store.writeRef(`refs/heads/${branch}`, value);
}

async function resolveOptional(store: GitStore, ref: string): Promise<string | undefined> {
  return store.readRef(ref).catch(() => undefined);
}

/** Puts a tracking ref back where it was, so a refused pull leaves no trace in the refs at all. */
async function restoreTracking(store: GitStore, ref: string, value: string | undefined): Promise<void> {
  if (value === undefined) await store.deleteRef(ref).catch(() => undefined);
  else await store.writeRef(ref, value);
}
