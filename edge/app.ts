/**
 * The edge's Hono app, built by a factory that takes the agent
 * authentication middleware: production passes `requireAgent()` (DPoP-bound
 * tokens), tests pass one that sets `c.var.agent` directly. Every error
 * leaves as an RFC 9457 problem document, and every refusal is logged.
 *
 * @example
 *   export default createApp({ auth: requireAgent() });
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describeError, isStellaError } from '../core/errors.js';
import { verifyBundle } from '../core/sign/bundle.js';
import type { EdgeEnv } from './env.js';
import { ingestRoutes } from './ingest/routes.js';
import { ProblemError, problemResponse } from './problem.js';
import { dashboardRoutes } from './serve/dashboard.js';
import { gitProxyRoutes } from './serve/git-proxy.js';
import { readRoutes } from './serve/routes.js';

export interface AppOptions {
  /** Authenticates agent routes and sets `c.var.agent`. */
  auth: MiddlewareHandler<EdgeEnv>;
  /** Extra routes mounted at the root (the authority's). */
  mounts?: readonly Hono<EdgeEnv>[];
}

/**
 * The app with every route.
 * @example const response = await createApp({ auth }).request('/healthz');
 */
export function createApp(options: AppOptions): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.post('/v1/verify', verifyRoute);
  app.route('/', ingestRoutes(options.auth));
  app.route('/', readRoutes(options.auth));
  app.route('/', gitProxyRoutes(options.auth));
  app.route('/', dashboardRoutes());
  for (const mount of options.mounts ?? []) app.route('/', mount);
  app.notFound((c) => problemResponse(c, new ProblemError(404, 'not-found', 'Not found', `${c.req.method} ${new URL(c.req.url).pathname} is not an edge route`)));
  app.onError((error, c) => {
    const problem = asProblem(error);
    // One line per refusal, so an operator can see who was turned away and why.
    console.warn(`edge: ${c.req.method} ${new URL(c.req.url).pathname} → ${problem.status} ${problem.kind}: ${problem.detail}`);
    return problemResponse(c, problem);
  });
  return app;
}

/** POST { bundle, publicKeys: { <keyid>: <SPKI PEM> } } → the verified in-toto statement. */
const verifyRoute = async (c: Parameters<MiddlewareHandler<EdgeEnv>>[0]): Promise<Response> => {
  const body = await c.req.json<{ bundle?: unknown; publicKeys?: Record<string, string> }>().catch(() => {
    throw new ProblemError(400, 'malformed-json', 'Body is not JSON', 'expected { bundle, publicKeys }', { code: 'USAGE' });
  });
  if (body.bundle === undefined || typeof body.publicKeys !== 'object' || body.publicKeys === null) {
    throw new ProblemError(400, 'malformed-submission', 'Malformed request', 'expected { bundle, publicKeys }', { code: 'USAGE' });
  }
  const statement = await verifyBundle(body.bundle, { publicKeys: new Map(Object.entries(body.publicKeys)) });
  return c.json({ verified: true, statement });
};

function asProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof HTTPException) return new ProblemError(error.status === 413 ? 413 : 400, 'bad-request', 'Bad request', error.message);
  if (isStellaError(error) && error.code === 'CONFIG_INVALID') return new ProblemError(503, 'edge-not-configured', 'Edge not configured', error.message);
  if (isStellaError(error)) {
    const status = error.code === 'SIGNATURE_INVALID' ? 422 : 400;
    return new ProblemError(status, error.code.toLowerCase().replace(/_/g, '-'), 'Request refused', error.message, { code: error.code });
  }
  return new ProblemError(500, 'internal', 'Internal error', describeError(error));
}
