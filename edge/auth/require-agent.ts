/**
 * Middleware for agent routes: checks `Authorization: DPoP <access token>`
 * (ES256 only, a published `kid`, iss/aud this edge, exp/nbf with a small
 * skew) and the request's DPoP proof (typ dpop+jwt, method, URL, `ath`,
 * fresh `iat`, a key whose thumbprint is the token's `cnf.jkt`, a `jti`
 * never seen before — remembered in the node's Durable Object until the
 * proof would be too old anyway), then sets `c.var.agent` (node, key
 * thumbprint).
 *
 * @example app.post('/v1/reports', requireAgent(), handler);
 */
import type { MiddlewareHandler } from 'hono';
import type { EdgeEnv } from '../env.js';
import { verifyAccessToken } from './access-token.js';
import { durableReplayGuard } from './claim-once.js';
import { verifyDpopProof } from './dpop.js';
import { edgeOrigin, publicUrl } from './edge-origin.js';
import { authProblem } from './jose-problem.js';
import { tokenSigner, verificationKey } from './signing-keys.js';

/** Refuses requests that do not carry a valid DPoP-bound access token and a fresh proof for this request. */
export function requireAgent(): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const now = Date.now();
    const match = /^DPoP ([A-Za-z0-9._~+/-]+=*)$/.exec(c.req.header('Authorization') ?? '');
    if (match === null) throw authProblem('invalid-token', 'send `Authorization: DPoP <access token>` (a token from POST /v1/token); Bearer tokens are not accepted');
    const token = match[1] as string;
    const signer = await tokenSigner(c.env.TOKEN_SIGNING_KEY);
    const claims = await verifyAccessToken(token, { origin: edgeOrigin(c.env), keyFor: (kid) => verificationKey(c.env.STELLA_KV, signer, kid, now), now });
    const proof = await verifyDpopProof(c.req.header('DPoP'), { method: c.req.method, url: publicUrl(c.env, c.req.url), accessToken: token, now });
    if (proof.jkt !== claims.jkt) throw authProblem('invalid-dpop-proof', 'the proof is signed by another key than the one the access token is bound to (cnf.jkt)');
    if (!(await durableReplayGuard(c.env.NODE).claim(claims.node, `dpop:${proof.jkt}:${proof.jti}`, proof.rememberUntil))) {
      throw authProblem('invalid-dpop-proof', 'this DPoP proof was already used (jti replay): make a fresh proof per request');
    }
    c.set('agent', { node: claims.node, jkt: claims.jkt });
    await next();
  };
}
