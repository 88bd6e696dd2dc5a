/**
 * What happens once a node has spent its enrollment token and registered
 * its key: the key is proposed as the node's report key in a pending trust
 * root change on the review branch `enroll/<node>`, so it takes effect only
 * when people sign and merge it (as `stella trust` requires). The step is
 * passed to the routes as an {@link EnrollmentProposer}; every proposer also
 * leaves the record in KV (`enrollment:<node>`), which is what the edge
 * itself reads.
 *
 * @example
 *   const proposal = await kvRecordProposer(env, { node: 'edge-1', jwk });
 *   proposal.status // 'recorded'
 */
import type { KVNamespace } from '@cloudflare/workers-types/index.ts';
import type { JWK } from 'jose';
import { exportPublicKeyPem, keyId } from '../../core/sign/keys.js';
import type { Bindings } from '../env.js';

/** The review branch an enrollment is proposed on (the same name `stella node join` uses). */
export function enrollBranch(node: string): string {
  return `enroll/${node}`;
}

/** What the enroll response tells the node about its proposal. */
export interface EnrollmentProposal {
  /** `recorded`: kept in KV only; `proposed`: committed to `branch` of the state repository. */
  status: 'recorded' | 'proposed';
  /** The report key's id as the trust root names it (SHA-256 of its SPKI DER). */
  keyId: string;
  branch: string;
  /** The commit on `branch` (when proposed). */
  commit?: string;
  /** The trust root version staged (when proposed). */
  version?: number;
  /** Why a proposal could not be committed (the state repository unreachable, or moved meanwhile); the operator enrolls by hand. */
  note?: string;
}

/** The record kept in KV, beside any commit. */
export interface EnrollmentRecord extends EnrollmentProposal {
  node: string;
  publicKeyPem: string;
  at: string;
}

/** Records (and possibly commits) an accepted enrollment. */
export type EnrollmentProposer = (env: Bindings, request: { node: string; jwk: JWK }) => Promise<EnrollmentProposal>;

/**
 * The report key as the trust root holds it: SPKI PEM and key id.
 * @example const { publicKeyPem, keyId } = await reportKeyOf(jwk);
 */
export async function reportKeyOf(jwk: JWK): Promise<{ publicKeyPem: string; keyId: string }> {
  const key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true }, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  const publicKeyPem = await exportPublicKeyPem(key);
  return { publicKeyPem, keyId: await keyId(publicKeyPem) };
}

/**
 * Saves the enrollment record in KV.
 * @example await saveEnrollmentRecord(env.STELLA_KV, record)
 */
export async function saveEnrollmentRecord(kv: KVNamespace, record: EnrollmentRecord): Promise<void> {
  await kv.put(`enrollment:${record.node}`, JSON.stringify(record));
}

/**
 * The proposer used when the edge has no Git remote configured: the enrollment is kept in KV only,
 * for an operator to enroll by hand (`stella trust enroll --node N --key FILE`).
 * @example app.route('/', authorityRoutes({ propose: kvRecordProposer }));
 */
export const kvRecordProposer: EnrollmentProposer = async (env, request) => {
  const key = await reportKeyOf(request.jwk);
  const proposal: EnrollmentProposal = { status: 'recorded', keyId: key.keyId, branch: enrollBranch(request.node) };
  await saveEnrollmentRecord(env.STELLA_KV, { ...proposal, node: request.node, publicKeyPem: key.publicKeyPem, at: new Date().toISOString() });
  return proposal;
};
