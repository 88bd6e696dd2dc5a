/**
 * What verification trusts, read from the trust ref (normally `main`): the
 * verified root chain, the current root, whether it expired, and which
 * commits the trust ref has accepted.
 *
 * Which root judges a report (or retirement), by its bundle's blob:
 * - a bundle the trust ref holds at the same path is judged by the root in
 *   effect on the trust ref's FIRST-PARENT line at the commit where that
 *   blob arrived there (for a merge, the merge commit) — so revoking a key
 *   later keeps its old reports valid, and a report signed after a
 *   revocation cannot borrow an older root by being committed on a parent
 *   from before it and merged;
 * - any other bundle cannot prove when it was made (a branch keeps the root
 *   it forked with, and its parents are the signer's choice), so it is
 *   judged by the trust ref's current root, or by its branch tip's root when
 *   that is a valid newer version (a pull request that enrols a node with
 *   the root keys' signatures).
 *
 * @example
 *   const root = await currentTrustRoot(store, 'main');   // throws VERIFY_FAILED when it does not verify
 *   const feedKeys = trustedKeyLookup(root, 'feeds');
 */
import { StellaError } from '../errors.js';
import type { GitStore } from '../git/git-store.js';
import { ROOT_PATH, type TrustRoot } from '../trust/root.js';
import { expiryProblem } from '../trust/rules.js';
import { CommitGraph } from './commits.js';
import { RootHistory } from './root-history.js';
import type { VerifyFailure } from './types.js';

export interface TrustState {
  /** The trust ref as the user named it, for messages. */
  ref: string;
  history: RootHistory;
  current: TrustRoot;
  /** Set when the current root expired: every check fails with this reason. */
  expired: string | undefined;
  /** The trust ref's tip. */
  tip: string;
}

/** The root that judges a report, and how it was chosen (for messages). */
export type JudgingRoot = { $case: 'root'; root: TrustRoot; context: string } | { $case: 'none'; reason: string };

/**
 * Checks the root chain of the trust ref and returns the trust state, or
 * undefined (with failures recorded) when no root there verifies.
 * @example const trust = await loadTrust(graph, 'main', tip, new Date(), failures);
 */
export async function loadTrust(graph: CommitGraph, ref: string, tip: string, now: Date, failures: VerifyFailure[]): Promise<TrustState | undefined> {
  const history = new RootHistory(graph, failures);
  await history.checkTrustRef(ref, tip);
  const where = `${ref}:${ROOT_PATH}`;
  if ((await history.rootBlobAt(tip)) === undefined) {
    failures.push({ where, reason: 'missing: no keys are trusted (a state repository made by `stella init` has one)' });
    return undefined;
  }
  const current = await history.rootAt(tip);
  if (current === undefined) {
    failures.push({ where, reason: 'the current trust root does not verify (see the failures above), so nothing else can be checked' });
    return undefined;
  }
  const expired = expiryProblem(current, now);
  if (expired !== undefined) failures.push({ where, reason: expired });
  return { ref, history, current, expired, tip };
}

/**
 * The root that judges the bundle `blob` stored at `path` on a branch whose
 * tip is `branchTip` (see the module comment).
 * @example const judging = await judgingRoot(trust, 'findings/edge-1/app/report.sigstore.json', blob, tip);
 */
export async function judgingRoot(trust: TrustState, path: string, blob: string, branchTip: string): Promise<JudgingRoot> {
  const graph = trust.history.graph;
  if ((await graph.blobAt(trust.tip, path)) === blob) {
    // Back along the first-parent line while the blob is there: a step per commit it stayed, not the whole line.
    let arrival = trust.tip;
    for (let commit = await graph.firstParent(arrival); commit !== undefined && (await graph.blobAt(commit, path)) === blob; commit = await graph.firstParent(commit)) {
      arrival = commit;
    }
    const at = `commit ${arrival.slice(0, 12)}`;
    const root = await trust.history.rootAt(arrival);
    if (root !== undefined) return { $case: 'root', root, context: `trust root version ${root.signed.version}, in effect at ${at} where the report arrived on ${trust.ref}` };
    const rootBlob = await trust.history.rootBlobAt(arrival);
    return { $case: 'none', reason: rootBlob === undefined ? `arrived on ${trust.ref} in ${at}, which has no ${ROOT_PATH}` : `arrived on ${trust.ref} in ${at}, whose ${ROOT_PATH} does not verify` };
  }
  const own = await trust.history.rootAt(branchTip);
  if (own !== undefined && own.signed.version > trust.current.signed.version) {
    return { $case: 'root', root: own, context: `trust root version ${own.signed.version} of commit ${branchTip.slice(0, 12)} (newer than ${trust.ref}'s)` };
  }
  return { $case: 'root', root: trust.current, context: `trust root version ${trust.current.signed.version}, current on ${trust.ref} (the report is not on ${trust.ref} yet)` };
}

/**
 * The verified, unexpired root at the tip of `ref`, for code that checks
 * one signature (an update kit, a feed reader). Throws VERIFY_FAILED with
 * the first problem when the chain, the signatures or the expiry fail.
 * @example const root = await currentTrustRoot(store, 'main', { now: new Date() });
 */
export async function currentTrustRoot(store: GitStore, ref: string, options: { now?: Date } = {}): Promise<TrustRoot> {
  const tip = await store.resolve(ref);
  if (tip === undefined) throw new StellaError('VERIFY_FAILED', `${ref}: ref not found, so no trust root can be read`);
  const failures: VerifyFailure[] = [];
  const trust = await loadTrust(new CommitGraph(store), ref, tip, options.now ?? new Date(), failures);
  const first = failures[0];
  if (trust === undefined || first !== undefined) {
    throw new StellaError('VERIFY_FAILED', first === undefined ? `${ref}:${ROOT_PATH}: does not verify` : `${first.where}: ${first.reason}`, { data: { failures } });
  }
  return trust.current;
}
