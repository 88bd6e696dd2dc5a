/**
 * `stella push`: send this node's branch (`agents/<node>`) to the remote —
 * only that branch, never by force. When another writer got there first (a
 * second process of the same node, a CI job that rebased the branch), the
 * remote branch is fetched, the local commits it lacks are replayed on its
 * tip (`replay.ts`), and the push is tried again after an exponential,
 * jittered wait, a bounded number of times.
 *
 * Each attempt is a compare-and-swap on the server: the update names the
 * remote tip it builds on, so two writers can never both succeed from the
 * same base, and a lost race costs a retry, never a report.
 *
 * @example
 *   const remote = await resolveRemote(repo.store.gitdir);
 *   const result = await pushAgentBranch(repo.store, { node: 'edge-1', remote, credentials: await resolveCredentials() });
 *   console.log(result.status, result.commit, result.wire.bytesSent);
 */
import { admitRefMove } from '../../core/admission/admit.js';
import { StellaError } from '../../core/errors.js';
import { agentBranch } from '../../core/report/layout.js';
import type { GitStore } from '../../core/git/git-store.js';
import { MAIN_BRANCH } from '../repo/state-repo.js';
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import type { Credentials } from './credentials.js';
import { fetchCurrent } from './fetch.js';
import { assertFullHistory, commitsNotIn, isAncestor } from '../../core/git/history.js';
import { trackingRef, type Remote } from './remote.js';
import { replayCommits } from './replay.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { resequenceBundle } from '../scan/resequence.js';
import { buildPack, sendPack, ZERO_OID } from '../../core/git/send-pack.js';
import { endpointOf, openSession, type Session, type Transport, type WireStats } from './session.js';
import { newObjects } from '../../core/git/tree-diff.js';

export interface PushOptions {
  node: string;
  remote: Remote;
  credentials?: Credentials | undefined;
  /** Push attempts before giving up (default 8). */
  maxAttempts?: number;
  backoff?: Partial<BackoffOptions>;
  /** A `fetch`-shaped transport (default: the global fetch). */
  http?: Transport;
  onEvent?: (event: PushEvent) => void;
  /** The node's key: a replayed report that another process of the node outran is re-signed with the next sequence. */
  key?: SigningKey;
}

export type PushEvent =
  | { $case: 'replayed'; attempt: number; onto: string; replayed: number; alreadyThere: number }
  | { $case: 'retry'; attempt: number; reason: string; delayMs: number };

export interface PushResult {
  branch: string;
  remote: string;
  status: 'pushed' | 'up-to-date';
  /** The remote branch's tip afterwards. */
  commit: string;
  attempts: number;
  /** Local commits re-created on top of another writer's commits. */
  replayed: number;
  /** Commits and objects in the pack that was accepted. */
  commits: number;
  objects: number;
  packBytes: number;
  wire: WireStats;
}

/**
 * With the backoff below, 12 attempts wait 13–26 s in all: long enough to
 * outlast another writer pushing report after report to the same branch,
 * whose receive-pack holds the ref's lock at most moments. Eight (5–10 s)
 * were not, on a loaded machine: two processes of one node pushing 25
 * reports each back to back starved one of them (test/remote-concurrency).
 * Past that, the reports stay committed and the agent's next scheduled push
 * sends them.
 */
const DEFAULT_ATTEMPTS = 12;
const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, capMs: 4000 };
/** Receive-pack's words for "the ref was not where you said": someone else pushed. */
const LOST_RACE = /failed to (update|lock)|cannot lock|non-fast-forward|fetch first|stale info|incorrect old value|expected/i;
/** What the server says when the pack leans on objects it does not have. */
const MISSING_OBJECTS = /missing necessary objects|pack not stored/i;

/**
 * Pushes `agents/<node>`; replays and retries when another writer got there first.
 * Throws LIMIT_EXCEEDED after `maxAttempts` lost races, CONFIG_INVALID for refused credentials.
 *
 * @example const { status, commit } = await pushAgentBranch(repo.store, { node: 'edge-1', remote });
 */
export async function pushAgentBranch(store: GitStore, options: PushOptions): Promise<PushResult> {
  const session = openSession(options.remote, options.credentials, options.http);
  try {
    return await attemptPushes(session, store, options, agentBranch(options.node));
  } finally {
    session.close();
  }
}

/**
 * Pushes another branch of the node's own making (`enroll/<node>`, for a pull
 * request) the same way: never by force, replaying and retrying on a lost race.
 * @example await pushBranch(repo.store, 'enroll/edge-2', { node: 'edge-2', remote, credentials });
 */
export async function pushBranch(store: GitStore, branch: string, options: PushOptions): Promise<PushResult> {
  const session = openSession(options.remote, options.credentials, options.http);
  try {
    return await attemptPushes(session, store, options, branch);
  } finally {
    session.close();
  }
}

async function attemptPushes(session: Session, store: GitStore, options: PushOptions, branch: string): Promise<PushResult> {
  await assertFullHistory(store);
  const ref = `refs/heads/${branch}`;
  const maxAttempts = options.maxAttempts ?? DEFAULT_ATTEMPTS;
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  let replayed = 0;
  let trustTracking = true;
  let lastReason = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const local = await store.branchTip(branch);
    if (local === undefined) {
      throw new StellaError('USAGE', `nothing to push: no local branch ${branch} (commit a report first with \`stella scan --commit --node ${options.node}\`)`);
    }
    const listed = await session.listRefs('receive-pack');
    const { capabilities } = listed;
    const done = (status: PushResult['status'], commit: string, sent: { commits: number; objects: number; packBytes: number }): PushResult => ({
      branch,
      remote: options.remote.url,
      status,
      commit,
      attempts: attempt,
      replayed,
      ...sent,
      wire: session.wire,
    });
    const nothingSent = { commits: 0, objects: 0, packBytes: 0 };
    if (listed.refs.get(ref) === local) {
      await setTracking(store, options.remote, branch, local);
      return done('up-to-date', local, nothingSent);
    }
    const known = async (refs: ReadonlyMap<string, string>): Promise<string[]> => [...refs.values(), ...(trustTracking ? await trackingTips(store, options.remote) : [])];
    // What the remote had is outside input: a replayed tip passes admission before the branch moves.
    const admit = async (from: string, next: string): Promise<void> => {
      await admitRefMove(store, { ref, from, to: next }, { source: `remote ${options.remote.url}`, trust: await store.branchTip(MAIN_BRANCH) });
    };
    const key = options.key;
    const resequence = key === undefined ? undefined : (bundle: Uint8Array, sequence: number): Promise<Uint8Array> => resequenceBundle(bundle, sequence, key, new Date());
    const plan = await planPush(session, store, { branch, local, listed: listed.refs, capabilities, known, admit, resequence, onReplay: (event) => options.onEvent?.({ ...event, attempt }) });
    replayed += plan.replayed;
    if (plan.upToDate) return done('up-to-date', plan.tip, nothingSent);
    const outcome = await session.guard(`pushing ${ref}`, () => sendPack(endpointOf(session), { ref, oldOid: plan.base ?? ZERO_OID, newOid: plan.tip }, plan.pack, capabilities));
    if (outcome.status === 'ok') {
      await setTracking(store, options.remote, branch, plan.tip);
      return done('pushed', plan.tip, { commits: plan.commits, objects: plan.objects, packBytes: outcome.packBytes });
    }
    lastReason = outcome.reason;
    if (MISSING_OBJECTS.test(outcome.reason) && trustTracking) {
      // A tracking ref named a commit the remote no longer has (history rewritten and pruned), so the pack
      // left out objects or used delta bases it lacks: rely on the remote's own listing alone.
      trustTracking = false;
    } else if (!LOST_RACE.test(outcome.reason)) {
      throw new StellaError('REPO_INVALID', `remote ${options.remote.url} refused ${ref}: ${outcome.reason}`, { data: { remote: options.remote.url, ref, reason: outcome.reason } });
    }
    if (attempt < maxAttempts) {
      const delayMs = backoffDelay(attempt, backoff);
      options.onEvent?.({ $case: 'retry', attempt, reason: outcome.reason, delayMs });
      await sleep(delayMs);
    }
  }
  throw new StellaError(
    'LIMIT_EXCEEDED',
    `push of ${branch} to ${options.remote.url} was still rejected after ${maxAttempts} attempts (${lastReason}); other writers keep moving it, try again later`,
    { data: { remote: options.remote.url, ref, attempts: maxAttempts, reason: lastReason } },
  );
}

/** Times the branch is caught up with other writers within one attempt before the push is sent anyway. */
const CATCH_UP_ROUNDS = 3;

interface PlanRequest {
  branch: string;
  local: string;
  /** The receive-pack listing this attempt started from. */
  listed: ReadonlyMap<string, string>;
  capabilities: ReadonlySet<string>;
  /** Tips the remote has, for leaving their objects out of the pack. */
  known(refs: ReadonlyMap<string, string>): Promise<string[]>;
  /** Throws when moving the local branch from `from` to a replayed tip `next` must be refused (the admission check). */
  admit(from: string, next: string): Promise<void>;
  resequence: ((bundle: Uint8Array, sequence: number) => Promise<Uint8Array>) | undefined;
  onReplay(event: Omit<Extract<PushEvent, { $case: 'replayed' }>, 'attempt'>): void;
}

type PushPlan =
  | { upToDate: true; tip: string; replayed: number }
  | { upToDate: false; tip: string; base: string | undefined; pack: Uint8Array; commits: number; objects: number; replayed: number };

/**
 * What to send: the update's old and new values and the pack. When another
 * writer moved the branch, its commits are fetched and ours replayed on top;
 * the pack is then built and the remote listed once more right before
 * sending, and if the branch moved again meanwhile, the catching up starts
 * over. So the time in which another push can slip in between our look at
 * the branch and our update is one listing plus the send, not the fetch and
 * the replay too — a writer that pushes often cannot starve a slower one.
 */
async function planPush(session: Session, store: GitStore, request: PlanRequest): Promise<PushPlan> {
  const ref = `refs/heads/${request.branch}`;
  let refs = request.listed;
  let base = refs.get(ref);
  let tip = request.local;
  let replayed = 0;
  for (let round = 1; ; round++) {
    const diverged = base !== undefined && !(await isAncestor(store, base, tip));
    if (diverged) {
      // If the branch was deleted meanwhile, there is nothing to build on: our commits create it.
      const onto = await fetchCurrent(session, store, request.branch);
      base = onto;
      if (onto !== undefined && !(await isAncestor(store, onto, tip))) {
        const unpushed = await commitsNotIn(store, [tip], [onto]);
        const from = tip;
        const result = await replayCommits(store, { branch: request.branch, expectedTip: tip, onto, commits: unpushed, admit: (next) => request.admit(from, next), ...(request.resequence === undefined ? {} : { resequence: request.resequence }) });
        replayed += result.replayed;
        request.onReplay({ $case: 'replayed', onto, replayed: result.replayed, alreadyThere: result.alreadyThere });
        tip = result.tip;
        if (tip === onto) return { upToDate: true, tip, replayed };
      }
    }
    const { commits, objects } = await objectsToSend(store, tip, [...(base === undefined ? [] : [base]), ...(await request.known(refs))]);
    const pack = await buildPack(store, objects, request.capabilities);
    const plan = { upToDate: false as const, tip, base, pack, commits, objects: objects.length, replayed };
    if (!diverged || round === CATCH_UP_ROUNDS) return plan;
    refs = (await session.listRefs('receive-pack')).refs;
    if (refs.get(ref) === base) return plan;
  }
}

/** The commits the remote lacks and, for each, only the trees and blobs it changed. */
async function objectsToSend(store: GitStore, tip: string, known: readonly string[]): Promise<{ commits: number; objects: { oid: string; base?: string }[] }> {
  const commits = await commitsNotIn(store, [tip], known);
  const objects = new Map<string, { oid: string; base?: string }>();
  for (const commit of commits) {
    objects.set(commit.oid, { oid: commit.oid });
    const parent = commit.parents[0];
    // The parent's objects are on the remote or in this pack, so its versions of changed paths are safe delta bases.
    const parentTree = parent === undefined ? undefined : (await store.readCommit(parent)).tree;
    for (const object of await newObjects(store, parentTree, commit.tree)) if (!objects.has(object.oid)) objects.set(object.oid, object);
  }
  return { commits: commits.length, objects: [...objects.values()] };
}

async function trackingTips(store: GitStore, remote: Remote): Promise<string[]> {
  const names = await store.listBranches(remote.name);
  const tips: string[] = [];
  for (const name of names) {
    const oid = await store.readRef(trackingRef(remote, name)).catch(() => undefined);
    if (oid !== undefined) tips.push(oid);
  }
  return tips;
}

async function setTracking(store: GitStore, remote: Remote, branch: string, oid: string): Promise<void> {
  await store.writeRef(trackingRef(remote, branch), oid);
}
