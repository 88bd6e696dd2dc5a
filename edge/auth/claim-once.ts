/**
 * "Has this been used before?" answered with strong consistency: one-time
 * enrollment tokens, client-assertion `jti`s and DPoP proof `jti`s are
 * claimed in the node's Durable Object, not in KV. KV is eventually
 * consistent (a write can take up to a minute to reach other locations, and
 * it has no compare-and-set), so two requests at two locations could both
 * see a token as unused. A Durable Object is one single-threaded instance
 * with transactional storage: its input gate holds other events while a
 * `get` is awaited, so get-then-put inside one request is atomic.
 *
 * The Durable Object class (`NodeObject`) calls {@link handleClaimOnce} from
 * its `fetch` for the path {@link CLAIM_ONCE_PATH}; the Worker calls
 * {@link durableReplayGuard}. Entries are dropped once expired, a few per
 * claim, so storage stays bounded without an alarm (the object's one alarm
 * belongs to commit coalescing).
 *
 * @example
 *   const guard = durableReplayGuard(env.NODE);
 *   if (!(await guard.claim('edge-1', `assertion:${jti}`, exp))) throw replayed;
 */
import type { DurableObjectNamespace, DurableObjectStorage } from '@cloudflare/workers-types/index.ts';
import { ProblemError } from '../problem.js';

/** The path of the Durable Object's fetch handler that claims a key. */
export const CLAIM_ONCE_PATH = '/auth/claim-once';

/** Claims keys in a scope (a node name) until a time; false when already claimed and not yet expired. */
export interface ReplayGuard {
  claim(scope: string, key: string, expiresAt: number): Promise<boolean>;
}

const BY_KEY = 'once:k:';
const BY_EXPIRY = 'once:e:';
const PRUNE_PER_CLAIM = 16;

/**
 * Inside the Durable Object: records `key` until `expiresAt` unless it is already there.
 * @example await claimOnce(this.ctx.storage, 'dpop:abc', Date.now() + 60_000, Date.now()) // true, then false
 */
export async function claimOnce(storage: DurableObjectStorage, key: string, expiresAt: number, now: number): Promise<boolean> {
  await pruneExpired(storage, now);
  const existing = await storage.get<number>(BY_KEY + key);
  if (existing !== undefined && existing > now) return false;
  await storage.put({ [BY_KEY + key]: expiresAt, [`${BY_EXPIRY}${String(expiresAt).padStart(15, '0')}:${key}`]: key });
  return true;
}

async function pruneExpired(storage: DurableObjectStorage, now: number): Promise<void> {
  const expired = await storage.list<string>({ prefix: BY_EXPIRY, end: `${BY_EXPIRY}${String(now).padStart(15, '0')}`, limit: PRUNE_PER_CLAIM });
  if (expired.size === 0) return;
  await storage.delete([...expired.keys(), ...[...expired.values()].map((key) => BY_KEY + key)]);
}

/**
 * The Durable Object's side of the protocol: answers `POST /auth/claim-once` `{ key, expiresAt }` with `{ claimed }`;
 * undefined for any other request, so the object's own routes go on.
 * @example return (await handleClaimOnce(this.ctx.storage, request)) ?? this.routes(request);
 */
export async function handleClaimOnce(storage: DurableObjectStorage, request: Request): Promise<Response | undefined> {
  if (request.method !== 'POST' || new URL(request.url).pathname !== CLAIM_ONCE_PATH) return undefined;
  const body = (await request.json()) as { key?: unknown; expiresAt?: unknown };
  if (typeof body.key !== 'string' || typeof body.expiresAt !== 'number') return new Response('expected { key, expiresAt }', { status: 400 });
  return Response.json({ claimed: await claimOnce(storage, body.key, body.expiresAt, Date.now()) });
}

/**
 * The Worker's side: claims through the Durable Object named after the scope (the node).
 * @example await durableReplayGuard(env.NODE).claim(node, `enroll:${hash}`, expiresAt)
 */
export function durableReplayGuard(namespace: DurableObjectNamespace): ReplayGuard {
  return {
    async claim(scope, key, expiresAt) {
      const stub = namespace.get(namespace.idFromName(scope));
      const response = await stub.fetch(`https://node-object${CLAIM_ONCE_PATH}`, { method: 'POST', body: JSON.stringify({ key, expiresAt }) });
      if (!response.ok) throw new ProblemError(500, 'internal', 'Internal error', `the node's Durable Object refused a claim (HTTP ${response.status})`);
      const answer = await response.json<{ claimed?: unknown }>();
      return answer.claimed === true;
    },
  };
}
