/**
 * The edge API (Hono on Cloudflare Workers) for agents that hold no Git
 * credentials: health, bundle verification, and the authority (enrollment,
 * DPoP-bound access tokens, JWKS). Every error is an RFC 9457 problem
 * document, logged as one line.
 *
 * @example
 *   const response = await app.request('/healthz');
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isStellaError } from '../core/errors.js';
import { verifyBundle } from '../core/sign/bundle.js';
import { gitEnrollmentProposer } from './auth/git-enrollment.js';
import { authorityRoutes } from './auth/routes.js';
import type { EdgeEnv } from './env.js';
import { readJsonObject } from './json-body.js';
import { ProblemError, problemResponse } from './problem.js';

export { NodeObject } from './node-object.js';

const app = new Hono<EdgeEnv>();

app.get('/healthz', (c) => c.json({ ok: true }));

/** POST { bundle, publicKeys: { <keyid>: <SPKI PEM> } } → the verified in-toto statement. */
app.post('/v1/verify', async (c) => {
  const body = await readJsonObject(c.req.raw, 8 << 20);
  const publicKeys = body['publicKeys'];
  if (body['bundle'] === undefined || typeof publicKeys !== 'object' || publicKeys === null) {
    throw new ProblemError(400, 'invalid-request', 'Invalid request', 'expected { bundle, publicKeys }', { code: 'USAGE' });
  }
  const statement = await verifyBundle(body['bundle'], { publicKeys: new Map(Object.entries(publicKeys as Record<string, string>)) });
  return c.json({ verified: true, statement });
});

app.route('/', authorityRoutes({ propose: gitEnrollmentProposer }));

app.notFound(() => {
  throw new ProblemError(404, 'not-found', 'Not found', 'no such route on this edge');
});

app.onError((error, c) => {
  const problem = asProblem(error);
  // One line per refusal, for the operator: what was refused, where, why (never a token or a secret).
  console.log(JSON.stringify({ level: problem.status >= 500 ? 'error' : 'warn', problem: problem.kind, status: problem.status, method: c.req.method, path: new URL(c.req.url).pathname, detail: problem.detail }));
  return problemResponse(c, problem);
});

function asProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof HTTPException) return new ProblemError(error.status as ContentfulStatusCode, 'invalid-request', 'Invalid request', error.message, { code: 'USAGE' });
  if (isStellaError(error)) {
    const status = error.code === 'SIGNATURE_INVALID' ? 422 : 400;
    return new ProblemError(status, error.code.toLowerCase().replaceAll('_', '-'), status === 422 ? 'Signature invalid' : 'Invalid input', error.message, { code: error.code });
  }
  return new ProblemError(500, 'internal', 'Internal error', 'the edge failed; the operator finds the cause in its log');
}

export default app;
