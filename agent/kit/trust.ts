/**
 * Which trust root judges a kit. A repository's trust is its threshold-
 * signed `trust/root.json`, whose versions chain from a version-1 anchor
 * (core/trust/rules.ts); a kit says which anchor its source chains from
 * (`source.trustAnchor`, the SHA-256 of that anchor's canonical `signed`).
 *
 * - Same anchor (a mirror of the same mesh): the kit's root must be the
 *   receiving root or its valid next version (TUF: one version up, signed
 *   by both versions' root thresholds, unexpired). It is adopted, and
 *   everything in the kit is judged by it. Anything else — an older root,
 *   a fork, a gap, a bad signature — refuses the kit.
 * - Another anchor (a different mesh that enrolled the kit's feed key):
 *   the receiving repository keeps its own trust/ untouched, and everything
 *   in the kit is judged by the receiving root.
 *
 * Either way a feeds key can never change trust: only root keys can.
 *
 * @example
 *   const mine = await repositoryTrust(repo.store, 'main', new Date());
 *   const decision = await kitTrust(mine, manifest.source.trustAnchor, read, 'kit.tar', new Date());
 *   await verifyRoleJws(jws, bytes, decision.root, 'feeds');
 */
import { describeError, StellaError } from '../../core/errors.js';
import { sha256Hex } from '../../core/sign/encoding.js';
import type { GitStore } from '../../core/git/git-store.js';
import { ROOT_PATH, signedBytes, type TrustRoot } from '../../core/trust/root.js';
import { readTrustRoot, updateTrustRoot } from '../../core/trust/update.js';
import { CommitGraph } from '../../core/verify/commits.js';
import { loadTrust } from '../../core/verify/trust-state.js';
import type { VerifyFailure } from '../../core/verify/verify-repo.js';

export interface RepositoryTrust {
  /** The verified, unexpired root at the ref's tip. */
  root: TrustRoot;
  /** SHA-256 (hex) of the canonical `signed` of the version-1 root the chain starts from. */
  anchor: string;
}

/** The outcome for a kit: the root that judges it, and what happens to trust/. */
export type KitTrust =
  | { $case: 'adopt'; root: TrustRoot; version: number; changed: boolean }
  | { $case: 'keep'; root: TrustRoot };

/**
 * The verified root of `ref` and its anchor. Throws VERIFY_FAILED with the
 * first problem of the chain (or expiry), like `stella verify` reports it.
 */
export async function repositoryTrust(store: GitStore, ref: string, now: Date): Promise<RepositoryTrust> {
  const tip = await store.resolve(ref);
  if (tip === undefined) throw new StellaError('NOT_FOUND', `${ref}: ref not found, so no trust root can be read`);
  const failures: VerifyFailure[] = [];
  const state = await loadTrust(new CommitGraph(store), ref, tip, now, failures);
  const anchorRoot = state?.history.verifiedRoots()[0];
  const first = failures[0];
  if (state === undefined || first !== undefined || anchorRoot === undefined) {
    throw new StellaError('VERIFY_FAILED', first === undefined ? `${ref}: the trust root does not verify` : `${store.dir}: ${first.where}: ${first.reason}`, { data: { failures } });
  }
  return { root: state.current, anchor: await sha256Hex(signedBytes(anchorRoot.signed)) };
}

/**
 * Decides which root judges a kit whose source chains from `anchor`;
 * `read` reads a file of the kit. Throws VERIFY_FAILED when the kit is of
 * this mesh but its root cannot follow the receiving one.
 */
export async function kitTrust(
  receiving: RepositoryTrust,
  anchor: string | undefined,
  read: (path: string) => Promise<Uint8Array | undefined>,
  where: string,
  now: Date,
): Promise<KitTrust> {
  if (anchor !== receiving.anchor) return { $case: 'keep', root: receiving.root };
  try {
    const root = await updateTrustRoot(receiving.root, [await readTrustRoot(read, 'kit')], now, ROOT_PATH);
    return { $case: 'adopt', root, version: root.signed.version, changed: root.signed.version !== receiving.root.signed.version };
  } catch (error) {
    throw new StellaError('VERIFY_FAILED', `${where}: its trust root cannot follow this repository's version ${receiving.root.signed.version}: ${describeError(error)}`, {
      cause: error,
      data: { reason: 'trust' },
    });
  }
}
