/**
 * The signature half of admission, reusing `stella verify` whole rather
 * than a second copy of it:
 *
 * - a move of `main` verifies the new tip as main: its trust root chain
 *   from the anchor, expiry, every feed and signed file, every report;
 *   and, when the new tip does not descend from the old one (a forced
 *   move), that its chain continues the old tip's — same anchor, no
 *   version going back;
 * - a move of `agents/<node>` verifies the new tip's reports (and whatever
 *   else verify checks on a branch) against the trust ref's roots;
 * - a move from an existing tip (already admitted) verifies only what the
 *   move changes (`core/verify/verify-change.ts`), so its cost follows the
 *   change, not the size of the repository.
 *
 * @example
 *   const failure = await verifyFailure(store, move, { $case: 'main' }, options); // { where, reason } or undefined
 */
import type { GitStore } from '../git/git-store.js';
import { ROOT_PATH } from '../trust/root.js';
import { CommitGraph } from '../verify/commits.js';
import { loadTrust } from '../verify/trust-state.js';
import type { VerifyFailure } from '../verify/types.js';
import { verifyChange } from '../verify/verify-change.js';
import { verifyRepository } from '../verify/verify-repo.js';
import type { Admission, AdmissionOptions, RefMove } from './types.js';

/** The first thing verify finds wrong with the move, its `where` naming refs rather than commit ids; undefined when it verifies. */
export async function verifyFailure(store: GitStore, move: RefMove, branch: Admission['branch'], options: AdmissionOptions): Promise<VerifyFailure | undefined> {
  const now = options.now ?? new Date();
  const name = move.ref.replace(/^refs\/(heads|remotes)\//, '');
  const relabel = (failure: VerifyFailure, trust: string | undefined): VerifyFailure => {
    let where = failure.where;
    if (where.startsWith(move.to)) where = `${name}${where.slice(move.to.length)}`;
    else if (trust !== undefined && where.startsWith(trust)) where = `trust ref ${trust.slice(0, 12)}${where.slice(trust.length)}`;
    return { where, reason: failure.reason };
  };
  if (move.from !== undefined && move.from !== move.to) {
    // The old tip was admitted before: judge only what the move changes, at a cost that follows the change.
    const trustTip = branch.$case === 'agent' ? (options.trust ?? move.to) : move.to;
    const result = await verifyChange(store, { trustRef: branch.$case === 'agent' && options.trust !== undefined ? 'main' : name, trustTip, from: move.from, to: move.to, label: name, now, signatures: options.signatures, pause: options.pause });
    const first = result.failures[0];
    if (first !== undefined) return { where: first.where, reason: first.reason };
    if (branch.$case === 'agent' || (await store.mergeBases(move.from, move.to)).includes(move.from)) return undefined;
    const continuity = await continuityFailure(store, move.from, move.to, now);
    return continuity === undefined ? undefined : relabel(continuity, move.from);
  }
  if (branch.$case === 'agent') {
    const trust = options.trust;
    const result = await verifyRepository(store, { main: trust ?? move.to, branches: [move.to], now });
    // Problems of the branch itself first: they are what the move brings.
    const first = result.failures.find((f) => f.where.startsWith(move.to)) ?? result.failures[0];
    return first === undefined ? undefined : relabel(first, trust);
  }
  const result = await verifyRepository(store, { main: move.to, branches: [], now });
  const first = result.failures[0];
  if (first !== undefined) return relabel(first, undefined);
  if (move.from === undefined || (await store.mergeBases(move.from, move.to)).includes(move.from)) return undefined;
  const continuity = await continuityFailure(store, move.from, move.to, now);
  return continuity === undefined ? undefined : relabel(continuity, move.from);
}

/** A forced move: the new tip's root chain, judged with the old tip's chain seen first, must not fork or go back. */
async function continuityFailure(store: GitStore, from: string, to: string, now: Date): Promise<VerifyFailure | undefined> {
  const failures: VerifyFailure[] = [];
  const trust = await loadTrust(new CommitGraph(store), from, from, now, failures);
  if (trust === undefined) return undefined; // the old tip had no verifying root: nothing to continue
  const before = failures.length;
  // The old tip's anchor was seen first, so another anchor in the new history is a fork.
  await trust.history.check(to, to);
  const fork = failures[before];
  if (fork !== undefined) return fork;
  const root = await trust.history.rootAt(to);
  const version = trust.current.signed.version;
  if (root === undefined || root.signed.version >= version) return undefined;
  return { where: `${to}:${ROOT_PATH}`, reason: `goes back from trust root version ${version} to version ${root.signed.version}` };
}
