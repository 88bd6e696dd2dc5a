/**
 * `stella agent enroll`: registers this node's key with an edge, spending
 * the one-time token an operator made (`stella edge token create`). The key
 * is a node key like any other (`$STELLA_HOME/keys/<keyid>.pem`, made here
 * unless `keyId` names one already there); the edge proposes it as the
 * node's report key on `enroll/<node>` of the state repository, where it
 * takes effect once people sign and merge it.
 *
 * @example
 *   const result = await enrollAtEdge({ edge: 'https://edge.example', token, home });
 *   result.node // the node name the operator bound the token to
 */
import { createKey, loadKey } from '../repo/keystore.js';
import { publicJwkOf } from '../../core/auth/client-proofs.js';
import { writeEdgeEnrollment, type EdgeEnrollment } from './enrollment-file.js';
import { edgeBase, edgeJson } from './http.js';

/** What the edge said about the enrollment. */
export interface EnrollResult extends EdgeEnrollment {
  /** `recorded` (kept by the edge) or `proposed` (committed to `branch`). */
  status: string;
  branch: string;
  commit?: string;
  createdKey: boolean;
}

/**
 * Registers the node key at `edge` with `token` and saves the enrollment under `home`.
 * Throws what the edge refused (spent or expired token, bad key) with its detail.
 * @example await enrollAtEdge({ edge, token, home, keyId: repoSigningKeyId })
 */
export async function enrollAtEdge(request: { edge: string; token: string; home: string; keyId?: string | undefined; fetch?: typeof fetch }): Promise<EnrollResult> {
  const edge = edgeBase(request.edge);
  const key = request.keyId === undefined ? await createKey(request.home) : await loadKey(request.home, request.keyId);
  const url = `${edge}/v1/enroll`;
  const response = await (request.fetch ?? fetch)(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: request.token, jwk: await publicJwkOf(key) }),
  });
  const answer = await edgeJson<{ node: string; status: string; branch: string; commit?: string }>(response, url);
  const enrollment: EdgeEnrollment = { edge, node: answer.node, keyId: key.keyId, enrolledAt: new Date().toISOString() };
  await writeEdgeEnrollment(request.home, enrollment);
  return { ...enrollment, status: answer.status, branch: answer.branch, ...(answer.commit === undefined ? {} : { commit: answer.commit }), createdKey: request.keyId === undefined };
}
