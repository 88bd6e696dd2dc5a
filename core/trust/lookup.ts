/**
 * Public keys a trust root allows for one job, as the lookup function the
 * signature verifiers take (`verifyBundle`'s `publicKeys`, `verifyDetachedJws`'s
 * `keys`). Report keys are per node; feed and policy keys are per role.
 *
 * The root passed in must already be verified (its chain, signatures and
 * expiry: `currentTrustRoot` in core/verify does all of that).
 *
 * @example
 *   const root = await currentTrustRoot(store, 'main');
 *   await verifyDetachedJws(jws, manifestBytes, trustedKeyLookup(root, 'feeds'));
 *   await verifyBundle(bundle, { publicKeys: trustedKeyLookup(root, 'reports', 'edge-1') });
 */
import type { RoleName, RootSigned, TrustRoot } from './root.js';

/** A role of the root, or `reports` for the keys enrolled per node. */
export type TrustedKeyRole = RoleName | 'reports';

/** Key id → SPKI PEM when that key is trusted for the job, else undefined. */
export type TrustedKeyLookup = (keyid: string) => string | undefined;

/**
 * The lookup for `role`; for `reports`, only keys enrolled for `node` (any
 * enrolled node when `node` is left out).
 * @example trustedKeyLookup(root, 'feeds')(kid) // '-----BEGIN PUBLIC KEY-----…' or undefined
 */
export function trustedKeyLookup(trust: TrustRoot | RootSigned, role: TrustedKeyRole, node?: string): TrustedKeyLookup {
  const allowed = new Set(trustedKeyIds(trust, role, node));
  const signed = 'signed' in trust ? trust.signed : trust;
  return (keyid) => (allowed.has(keyid) ? signed.keys[keyid]?.publicKey : undefined);
}

/**
 * Key ids trusted for `role` (and `node`, for reports), sorted.
 * @example trustedKeyIds(root, 'reports', 'edge-1') // ['4cb32c48…']
 */
export function trustedKeyIds(trust: TrustRoot | RootSigned, role: TrustedKeyRole, node?: string): string[] {
  const signed = 'signed' in trust ? trust.signed : trust;
  if (role !== 'reports') return [...signed.roles[role].keyids].sort();
  const nodes = node === undefined ? Object.values(signed.nodes) : [signed.nodes[node]];
  return [...new Set(nodes.flatMap((entry) => entry?.keyids ?? []))].sort();
}

/**
 * How many distinct keys of `role` must sign (always 1 for reports: one node key signs a report).
 * @example roleThreshold(root, 'feeds') // 1
 */
export function roleThreshold(trust: TrustRoot | RootSigned, role: TrustedKeyRole): number {
  const signed = 'signed' in trust ? trust.signed : trust;
  return role === 'reports' ? 1 : signed.roles[role].threshold;
}
