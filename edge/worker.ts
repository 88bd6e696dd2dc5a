/**
 * The edge API (Hono on Cloudflare Workers) for agents that hold no Git
 * credentials. This first version only answers health checks and verifies
 * a signed report bundle against keys it is given; authentication, quotas
 * and committing on an agent's behalf come with the edge issue.
 *
 * @example
 *   const response = await app.request('/healthz');
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isStellaError } from '../core/errors.js';
import { verifyBundle } from '../core/sign/bundle.js';

const app = new Hono();

app.get('/healthz', (c) => c.json({ ok: true }));

/** POST { bundle, publicKeys: { <keyid>: <SPKI PEM> } } → the verified in-toto statement. */
app.post('/v1/verify', async (c) => {
  const body = await c.req.json<{ bundle?: unknown; publicKeys?: Record<string, string> }>().catch(() => {
    throw new HTTPException(400, { message: 'request body is not JSON' });
  });
  if (body.bundle === undefined || typeof body.publicKeys !== 'object' || body.publicKeys === null) {
    throw new HTTPException(400, { message: 'expected { bundle, publicKeys }' });
  }
  const statement = await verifyBundle(body.bundle, { publicKeys: new Map(Object.entries(body.publicKeys)) });
  return c.json({ verified: true, statement });
});

app.onError((error, c) => {
  if (error instanceof HTTPException) return c.json({ code: 'USAGE', message: error.message }, error.status);
  if (isStellaError(error)) return c.json({ code: error.code, message: error.message }, error.code === 'SIGNATURE_INVALID' ? 422 : 400);
  return c.json({ code: 'INTERNAL', message: 'internal error' }, 500);
});

export default app;
