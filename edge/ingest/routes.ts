/**
 * The agent-facing ingest routes, mounted behind the authentication
 * middleware (which sets `c.var.agent`): the body is size-checked here, a
 * large one parked in R2, and the rest is the node's Durable Object's job.
 *
 *   POST /v1/reports           202 accepted (a replay: 200, the original record)
 *   GET  /v1/reports/<sha256>  the record: accepted, committed (with the commit) or failed
 *
 * @example app.route('/', ingestRoutes(requireAgent()));
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { sha256Hex } from '../../core/sign/encoding.js';
import type { EdgeEnv } from '../env.js';
import { MAX_BODY_BYTES, readLimitedBody } from './body.js';

/** Bodies larger than this go to R2 and reach the Durable Object by key (256 KiB). */
export const INLINE_BODY_BYTES = 256 * 1024;

/**
 * The routes, each behind `auth`.
 * @example new Hono<EdgeEnv>().route('/', ingestRoutes(auth))
 */
export function ingestRoutes(auth: MiddlewareHandler<EdgeEnv>): Hono<EdgeEnv> {
  const routes = new Hono<EdgeEnv>();
  routes.post('/v1/reports', auth, async (c) => {
    const { node } = c.var.agent;
    const body = await readLimitedBody(c.req.raw, MAX_BODY_BYTES);
    const headers: Record<string, string> = { 'x-stella-node': node };
    let forwarded: Uint8Array | undefined = body;
    if (body.length > INLINE_BODY_BYTES) {
      const key = `incoming/${node}/${await sha256Hex(body)}`;
      await c.env.BLOBS.put(key, body);
      headers['x-stella-blob'] = key;
      forwarded = undefined;
    }
    const stub = c.env.NODE.get(c.env.NODE.idFromName(node));
    const answer = await stub.fetch('https://node/ingest', { method: 'POST', headers, ...(forwarded === undefined ? {} : { body: forwarded }) });
    const digest = answer.headers.get('x-stella-digest');
    return relay(answer, answer.status === 202 && digest !== null ? { location: `/v1/reports/${digest}` } : {});
  });
  routes.get('/v1/reports/:digest{[0-9a-f]{64}}', auth, async (c) => {
    const stub = c.env.NODE.get(c.env.NODE.idFromName(c.var.agent.node));
    return relay(await stub.fetch(`https://node/reports/${c.req.param('digest')}`));
  });
  return routes;
}

/** The Durable Object's answer as the Worker's (its status, type, Retry-After kept). */
function relay(answer: { status: number; headers: { get(name: string): string | null }; arrayBuffer(): Promise<ArrayBuffer> }, extra: Record<string, string> = {}): Promise<Response> {
  return answer.arrayBuffer().then((body) => {
    const headers = new Headers(extra);
    for (const name of ['content-type', 'retry-after']) {
      const value = answer.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    return new Response(body, { status: answer.status, headers });
  });
}
