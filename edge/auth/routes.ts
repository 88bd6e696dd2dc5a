/**
 * The authority's routes: enrollment (admin-issued one-time tokens, then the
 * node registering its public key), access tokens (client assertion + DPoP
 * proof in, DPoP-bound JWT out) and the public JWKS.
 *
 * @example app.route('/', authorityRoutes({ propose: kvOnlyProposer }));
 */
import { Hono } from 'hono';
import { isNodeName } from '../../core/trust/root.js';
import type { EdgeEnv } from '../env.js';
import { readJsonObject, readText } from '../json-body.js';
import { ProblemError } from '../problem.js';
import { issueAccessToken } from './access-token.js';
import { requireAdmin } from './admin-secret.js';
import { durableReplayGuard } from './claim-once.js';
import { JWT_BEARER_ASSERTION, verifyClientAssertion } from './client-assertion.js';
import { verifyDpopProof } from './dpop.js';
import { edgeOrigin, tokenEndpoint } from './edge-origin.js';
import type { EnrollmentProposer } from './enrollment.js';
import { createEnrollmentToken, ENROLLMENT_TOKEN_TTL_SECONDS, spendEnrollmentToken } from './enrollment-tokens.js';
import { nodeKey, publicP256Jwk, registerNodeKey } from './node-keys.js';
import { requireAgent } from './require-agent.js';
import { publishedKeys, tokenSigner } from './signing-keys.js';

const MAX_BODY = 16 * 1024;

/**
 * The routes, with the step that records an accepted enrollment passed in (KV only, or a commit to the state repository).
 * @example app.route('/', authorityRoutes({ propose }));
 */
export function authorityRoutes(options: { propose: EnrollmentProposer }): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();

  app.post('/v1/admin/enrollment-tokens', requireAdmin(), async (c) => {
    const body = await readJsonObject(c.req.raw, MAX_BODY);
    const node = body['node'];
    if (typeof node !== 'string' || !isNodeName(node)) throw usage('node: a node name (letters, digits, . _ -, up to 63 characters) is required');
    const ttl = body['ttlSeconds'] ?? ENROLLMENT_TOKEN_TTL_SECONDS.default;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < ENROLLMENT_TOKEN_TTL_SECONDS.min || ttl > ENROLLMENT_TOKEN_TTL_SECONDS.max) {
      throw usage(`ttlSeconds: an integer from ${ENROLLMENT_TOKEN_TTL_SECONDS.min} to ${ENROLLMENT_TOKEN_TTL_SECONDS.max}`);
    }
    const created = await createEnrollmentToken(c.env.STELLA_KV, { node, ttlSeconds: ttl, now: Date.now() });
    return c.json({ node, token: created.token, expiresAt: new Date(created.expiresAt).toISOString() }, 201);
  });

  app.post('/v1/enroll', async (c) => {
    const body = await readJsonObject(c.req.raw, MAX_BODY);
    if (typeof body['token'] !== 'string' || body['token'] === '') throw usage('token: the enrollment token from the operator is required');
    const jwk = publicP256Jwk(body['jwk']);
    const grant = await spendEnrollmentToken(c.env.STELLA_KV, durableReplayGuard(c.env.NODE), body['token'], Date.now());
    const registered = await registerNodeKey(c.env.STELLA_KV, grant.node, jwk, Date.now());
    const proposal = await options.propose(c.env, { node: grant.node, jwk });
    return c.json({ node: grant.node, kid: registered.kid, ...proposal }, 201);
  });

  app.post('/v1/token', async (c) => {
    const now = Date.now();
    const form = new URLSearchParams(await readText(c.req.raw, MAX_BODY));
    if (form.get('grant_type') !== 'client_credentials') throw oauth('unsupported_grant_type', 'grant_type must be client_credentials');
    const assertion = form.get('client_assertion');
    if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION || assertion === null) {
      throw oauth('invalid_request', `send client_assertion_type=${JWT_BEARER_ASSERTION} and a client_assertion (RFC 7523)`);
    }
    const guard = durableReplayGuard(c.env.NODE);
    const proof = await verifyDpopProof(c.req.header('DPoP'), { method: 'POST', url: tokenEndpoint(c.env), now });
    const { node } = await verifyClientAssertion(assertion, { audience: tokenEndpoint(c.env), keyFor: async (n) => (await nodeKey(c.env.STELLA_KV, n))?.jwk, guard, now });
    if (!(await guard.claim(node, `dpop:${proof.jkt}:${proof.jti}`, proof.rememberUntil))) {
      throw new ProblemError(400, 'invalid-dpop-proof', 'DPoP proof refused', 'this DPoP proof was already used (jti replay): make a fresh proof per request', { error: 'invalid_dpop_proof' });
    }
    const signer = await tokenSigner(c.env.TOKEN_SIGNING_KEY);
    await publishedKeys(c.env.STELLA_KV, signer, now);
    const { token, expiresIn } = await issueAccessToken({ signer, origin: edgeOrigin(c.env), node, jkt: proof.jkt, now });
    c.header('Cache-Control', 'no-store');
    return c.json({ access_token: token, token_type: 'DPoP', expires_in: expiresIn });
  });

  // Who the edge takes the caller for: lets an agent check its token and proofs before it sends anything large.
  app.get('/v1/agent', requireAgent(), (c) => c.json(c.get('agent')));

  app.get('/.well-known/jwks.json', async (c) => {
    const keys = await publishedKeys(c.env.STELLA_KV, await tokenSigner(c.env.TOKEN_SIGNING_KEY), Date.now());
    c.header('Cache-Control', 'public, max-age=60');
    return c.json({ keys: keys.map((k) => ({ kty: k.jwk.kty, crv: k.jwk.crv, x: k.jwk.x, y: k.jwk.y, kid: k.jwk.kid, alg: 'ES256', use: 'sig' })) });
  });

  return app;
}

function usage(detail: string): ProblemError {
  return new ProblemError(400, 'invalid-request', 'Invalid request', detail);
}

/** Token endpoint errors keep RFC 6749's `error` code as an extension member. */
function oauth(error: string, detail: string): ProblemError {
  return new ProblemError(400, 'invalid-request', 'Invalid token request', detail, { error });
}
