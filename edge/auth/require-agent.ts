/**
 * Middleware for agent routes: checks `Authorization: DPoP <access token>`
 * and the request's DPoP proof, then sets `c.var.agent` (node, key
 * thumbprint). Until token issuance lands (the edge issue, authority part),
 * it refuses every request, so no agent route is ever open.
 *
 * @example app.post('/v1/reports', requireAgent(), handler);
 */
import type { MiddlewareHandler } from 'hono';
import type { EdgeEnv } from '../env.js';
import { ProblemError } from '../problem.js';

/** Refuses requests that do not carry a valid DPoP-bound access token. */
export function requireAgent(): MiddlewareHandler<EdgeEnv> {
  return async () => {
    throw new ProblemError(401, 'invalid-token', 'Not authenticated', 'agent tokens are not issued by this edge yet', {}, { 'WWW-Authenticate': 'DPoP error="invalid_token"' });
  };
}
