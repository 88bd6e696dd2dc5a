/**
 * A read-only window on the state repository for agents without Git
 * credentials: the two requests of a smart-HTTP fetch (`info/refs` for
 * upload-pack, `git-upload-pack`) passed through to the remote with the
 * edge's credentials, so `stella pull` on a node with only its enrollment
 * (its requests carry a DPoP-bound token) fetches through the edge. Pushes are refused: reports come in by
 * `POST /v1/reports`, where they are verified.
 *
 *   GET  /v1/git/info/refs?service=git-upload-pack
 *   POST /v1/git/git-upload-pack
 *
 * @example app.route('/', gitProxyRoutes(requireAgent()));
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { EdgeEnv } from '../env.js';
import { stateEndpoint } from '../git/endpoint.js';
import { ProblemError } from '../problem.js';

/** Upload-pack requests (wants and haves) are small; a larger one is not a fetch. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * The proxy routes, behind `auth`.
 * @example new Hono<EdgeEnv>().route('/', gitProxyRoutes(auth))
 */
export function gitProxyRoutes(auth: MiddlewareHandler<EdgeEnv>): Hono<EdgeEnv> {
  const routes = new Hono<EdgeEnv>();
  routes.get('/v1/git/info/refs', auth, async (c) => {
    if (c.req.query('service') !== 'git-upload-pack') throw readOnly();
    const endpoint = stateEndpoint(c.env);
    return pass(await endpoint.transport(`${endpoint.url}/info/refs?service=git-upload-pack`, { method: 'GET', headers: { accept: 'application/x-git-upload-pack-advertisement' } }));
  });
  routes.post('/v1/git/git-upload-pack', auth, async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.length > MAX_REQUEST_BYTES) throw new ProblemError(413, 'body-too-large', 'Fetch request too large', `an upload-pack request of ${body.length} bytes; the limit is ${MAX_REQUEST_BYTES}`);
    const endpoint = stateEndpoint(c.env);
    const headers = { 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result' };
    return pass(await endpoint.transport(`${endpoint.url}/git-upload-pack`, { method: 'POST', headers, body }));
  });
  routes.all('/v1/git/*', auth, () => {
    throw readOnly();
  });
  return routes;
}

function readOnly(): ProblemError {
  return new ProblemError(403, 'read-only', 'Read-only Git access', 'the edge passes fetches through; reports go to POST /v1/reports, where they are verified');
}

/** The remote's answer, its body streamed through, with only the headers a Git client reads. */
function pass(answer: Response): Response {
  const headers = new Headers({ 'cache-control': 'no-cache' });
  const type = answer.headers.get('content-type');
  if (type !== null) headers.set('content-type', type);
  return new Response(answer.body, { status: answer.status, headers });
}
