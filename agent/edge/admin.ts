/**
 * The operator's side of enrollment: asking the edge for a one-time
 * enrollment token for a node (`stella edge token create`), authenticated
 * by the edge's admin secret.
 *
 * @example
 *   const { token } = await createEnrollmentToken({ edge, adminSecret, node: 'edge-2' });
 */
import { edgeBase, edgeJson } from './http.js';

/** The environment variable the admin secret is read from (never a flag: it would land in shell history). */
export const ADMIN_SECRET_ENV = 'STELLA_EDGE_ADMIN_SECRET';

/**
 * A one-time token that lets `node` enroll once, before `expiresAt`.
 * @example await createEnrollmentToken({ edge: 'https://edge.example', adminSecret, node: 'edge-2', ttlSeconds: 3600 })
 */
export async function createEnrollmentToken(request: {
  edge: string;
  adminSecret: string;
  node: string;
  ttlSeconds?: number | undefined;
  fetch?: typeof fetch;
}): Promise<{ node: string; token: string; expiresAt: string }> {
  const url = `${edgeBase(request.edge)}/v1/admin/enrollment-tokens`;
  const response = await (request.fetch ?? fetch)(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${request.adminSecret}` },
    body: JSON.stringify({ node: request.node, ...(request.ttlSeconds === undefined ? {} : { ttlSeconds: request.ttlSeconds }) }),
  });
  return edgeJson(response, url);
}
