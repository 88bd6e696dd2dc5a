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
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { describeError, isStellaError } from '../core/errors.js';
import { verifyBundle } from '../core/sign/bundle.js';
import type { EdgeEnv } from './env.js';
import { readJsonObject } from './json-body.js';
import { ingestRoutes } from './ingest/routes.js';
import { ProblemError, problemResponse } from './problem.js';
import { dashboardRoutes } from './serve/dashboard.js';
import { gitProxyRoutes } from './serve/git-proxy.js';
import { loginRoutes } from './serve/login.js';
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
  app.route('/', loginRoutes());
  app.route('/', dashboardRoutes());
  for (const mount of options.mounts ?? []) app.route('/', mount);
  app.notFound((c) => {
    throw new ProblemError(404, 'not-found', 'Not found', `${c.req.method} ${new URL(c.req.url).pathname} is not an edge route`);
  });
  app.onError((error, c) => {
    const problem = asProblem(error);
    // One JSON line per refusal, for the operator: what was refused, where, why (never a token or a
    // secret); an unexpected failure also logs its cause, which the client is not told.
    const cause = problem.kind === 'internal' && !(error instanceof ProblemError) ? { cause: describeError(error) } : {};
    console.log(JSON.stringify({ level: problem.status >= 500 ? 'error' : 'warn', problem: problem.kind, status: problem.status, method: c.req.method, path: new URL(c.req.url).pathname, detail: problem.detail, ...cause }));
    return problemResponse(c, problem);
  });
  return app;
}

/** POST { bundle, publicKeys: { <keyid>: <SPKI PEM> } } → the verified in-toto statement. */
const verifyRoute = async (c: Parameters<MiddlewareHandler<EdgeEnv>>[0]): Promise<Response> => {
  const body = await readJsonObject(c.req.raw, 8 << 20);
  const publicKeys = body['publicKeys'];
  if (body['bundle'] === undefined || typeof publicKeys !== 'object' || publicKeys === null) {
    throw new ProblemError(400, 'invalid-request', 'Invalid request', 'expected { bundle, publicKeys }', { code: 'USAGE' });
  }
  const statement = await verifyBundle(body['bundle'], { publicKeys: new Map(Object.entries(publicKeys as Record<string, string>)) });
  return c.json({ verified: true, statement });
};

function asProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof HTTPException) return new ProblemError(error.status as ContentfulStatusCode, 'invalid-request', 'Invalid request', error.message, { code: 'USAGE' });
  if (isStellaError(error) && error.code === 'CONFIG_INVALID') return new ProblemError(503, 'edge-not-configured', 'Edge not configured', error.message);
  if (isStellaError(error)) {
    const status = error.code === 'SIGNATURE_INVALID' ? 422 : 400;
    return new ProblemError(status, error.code.toLowerCase().replaceAll('_', '-'), status === 422 ? 'Signature invalid' : 'Invalid input', error.message, { code: error.code });
  }
  return new ProblemError(500, 'internal', 'Internal error', 'the edge failed; the operator finds the cause in its log');
}
