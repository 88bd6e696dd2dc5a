/**
 * The Worker's Git path to the state repository: a fresh in-memory copy of
 * one branch fetched over smart HTTP (`core/git`'s client over the Worker's
 * `fetch`, packs held to core's limits), a commit made on it with
 * `GitStore.commit`, and one compare-and-swap ref update pushed back. No
 * disk and no state between requests: each call starts from what the
 * remote has, so two locations cannot diverge; the remote's compare-and-swap
 * decides a race (the loser gets `rejected` and may retry).
 *
 * Enrollment (`edge/auth/git-enrollment.ts`) writes through here: one
 * request, one short-lived copy. Ingest keeps a longer-lived mirror per node
 * instead (`state-remote.ts`), since it commits many times a minute.
 *
 * @example
 *   const remote = stateRemote(env);
 *   const copy = await fetchBranch(remote, 'main');
 *   const { oid } = await copy.store.commit({ branch: 'enroll/n1', parent: copy.tip, changes, message, author });
 *   await pushBranch(remote, copy.store, { branch: 'enroll/n1', base: copy.tip });
 */
import { StellaError } from '../../core/errors.js';
import { GitStore } from '../../core/git/git-store.js';
import { fetchPack } from '../../core/git/fetch-pack.js';
import { buildPack, sendPack, ZERO_OID, type SendOutcome } from '../../core/git/send-pack.js';
import { discoverRefs, webTransport, type Endpoint, type Transport } from '../../core/git/smart-http.js';
import { newObjects } from '../../core/git/tree-diff.js';
import { initRepository } from '../../core/git/work-index.js';
import type { Bindings } from '../env.js';
import { ProblemError } from '../problem.js';
import { fflatePackLimits as workerPackLimits } from '../../core/git/measured-inflate.js';
import { memoryFs } from './memory-fs.js';

/** How the edge names itself to the Git server. */
const AGENT = 'stella-edge';

/** The state repository as the Worker reaches it. */
export type BranchRemote = Endpoint;

/** A branch of the remote, fetched into memory. */
export interface BranchCopy {
  store: GitStore;
  /** The branch's tip at the remote when fetched. */
  tip: string;
  /** The remote's refs when fetched (e.g. to find the current value of the branch about to be pushed). */
  refs: ReadonlyMap<string, string>;
}

/**
 * The remote from the Worker's secrets (GIT_REMOTE_URL, optional basic-auth GIT_USERNAME / GIT_PASSWORD).
 * Returns undefined when no remote is configured. The transport defaults to the Worker's fetch.
 * @example const remote = stateRemote(env); if (remote === undefined) … // KV-only mode
 */
export function stateRemote(env: Pick<Bindings, 'GIT_REMOTE_URL' | 'GIT_USERNAME' | 'GIT_PASSWORD'>, transport: Transport = webTransport): BranchRemote | undefined {
  const url = (env.GIT_REMOTE_URL ?? '').replace(/\/+$/, '');
  if (url === '') return undefined;
  const username = env.GIT_USERNAME ?? '';
  if (username === '') return { url, transport, agent: AGENT };
  const authorization = `Basic ${btoa(`${username}:${env.GIT_PASSWORD ?? ''}`)}`;
  return { url, agent: AGENT, transport: (target, request) => transport(target, { ...request, headers: { ...request.headers, authorization } }) };
}

/**
 * Fetches `branch` (whole history reachable from its tip) into a new in-memory repository, with the ref set.
 * Throws a 502 problem when the remote cannot be read or has no such branch.
 * @example const { store, tip } = await fetchBranch(remote, 'main');
 */
export async function fetchBranch(remote: BranchRemote, branch: string): Promise<BranchCopy> {
  const listed = await gitStep(remote, 'listing the refs of the state repository', () => discoverRefs(remote.transport, remote.url, 'upload-pack'));
  const tip = listed.refs.get(`refs/heads/${branch}`);
  if (tip === undefined) throw new ProblemError(502, 'state-repository-unavailable', 'State repository unavailable', `the state repository has no branch ${branch}`);
  const fs = memoryFs();
  await initRepository({ fs, dir: '/repo' }, 'main');
  const store = new GitStore({ fs, dir: '/repo' });
  await gitStep(remote, `fetching ${branch}`, () => fetchPack(remote, store, { want: tip, haves: [], capabilities: listed.capabilities, limits: workerPackLimits, where: `state repository ${branch}` }));
  await store.writeRef(`refs/heads/${branch}`, tip);
  return { store, tip, refs: listed.refs };
}

/**
 * Brings `copy` up to date with the remote's `branch`, fetching only what its current tip lacks (a thin pack against it),
 * so a long-lived copy (one kept by a Durable Object) does not fetch the whole history again. Returns the new tip.
 * @example const tip = await refreshBranch(remote, copy, 'main');
 */
export async function refreshBranch(remote: BranchRemote, copy: BranchCopy, branch: string): Promise<BranchCopy> {
  const listed = await gitStep(remote, 'listing the refs of the state repository', () => discoverRefs(remote.transport, remote.url, 'upload-pack'));
  const tip = listed.refs.get(`refs/heads/${branch}`);
  if (tip === undefined) throw new ProblemError(502, 'state-repository-unavailable', 'State repository unavailable', `the state repository has no branch ${branch}`);
  if (tip !== copy.tip && !(await copy.store.hasCommit(tip))) {
    const where = `state repository ${branch}`;
    await gitStep(remote, `fetching ${branch}`, () => fetchPack(remote, copy.store, { want: tip, haves: [copy.tip], capabilities: listed.capabilities, limits: workerPackLimits, where }));
  }
  await copy.store.writeRef(`refs/heads/${branch}`, tip);
  return { store: copy.store, tip, refs: listed.refs };
}

/**
 * Pushes the local `branch` to the remote: the commits after `base` (a commit the remote has) and the trees and blobs
 * they change, as one compare-and-swap update from `expected` (the remote's current value of the branch; undefined: must not exist).
 * @example const outcome = await pushBranch(remote, store, { branch: 'enroll/n1', base: mainTip, expected: refs.get('refs/heads/enroll/n1') });
 */
export async function pushBranch(remote: BranchRemote, store: GitStore, update: { branch: string; base: string; expected: string | undefined }): Promise<SendOutcome & { commit: string }> {
  const tip = await store.branchTip(update.branch);
  if (tip === undefined) throw new StellaError('INTERNAL', `no local branch ${update.branch} to push`);
  const objects: { oid: string; base?: string }[] = [];
  for (let commit = tip; commit !== update.base; ) {
    const info = await store.readCommit(commit);
    const parent = info.parents[0];
    if (parent === undefined) throw new StellaError('INTERNAL', `${update.branch} does not descend from ${update.base}`);
    const parentTree = (await store.readCommit(parent)).tree;
    objects.push({ oid: commit }, ...(await newObjects(store, parentTree, info.tree)).map((o) => (o.base === undefined ? { oid: o.oid } : { oid: o.oid, base: o.base })));
    commit = parent;
  }
  const listed = await gitStep(remote, 'listing the refs of the state repository', () => discoverRefs(remote.transport, remote.url, 'receive-pack'));
  const pack = await buildPack(store, objects, listed.capabilities);
  const outcome = await gitStep(remote, `pushing ${update.branch}`, () =>
    sendPack(remote, { ref: `refs/heads/${update.branch}`, oldOid: update.expected ?? ZERO_OID, newOid: tip }, pack, listed.capabilities),
  );
  return { ...outcome, commit: tip };
}

/** Runs one exchange with the remote; a failure becomes a 502 problem that names the step, never the remote's URL or credentials. */
async function gitStep<T>(remote: BranchRemote, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (cause) {
    if (cause instanceof ProblemError) throw cause;
    const message = (cause instanceof Error ? cause.message.split('\n')[0] : String(cause)) ?? 'unknown error';
    // GIT_REMOTE_URL is a secret: the operator's log gets the whole message, the client a version without it.
    console.log(JSON.stringify({ level: 'error', event: 'state-repository-unavailable', step: what, detail: message }));
    throw new ProblemError(502, 'state-repository-unavailable', 'State repository unavailable', `${what} failed: ${message.replaceAll(`remote ${remote.url}`, 'the state repository').replaceAll(remote.url, 'the state repository')}`);
  }
}
