/**
 * The key each enrolled node registered (its public JWK, ES256), kept in KV
 * under the node's name. It authenticates the node's client assertions at
 * the token endpoint; whether the same key may sign *reports* is for the
 * trust root on the state repository's main branch to say, once people
 * merge the node's `enroll/<node>` change.
 *
 * @example
 *   const registered = await registerNodeKey(env.STELLA_KV, 'edge-1', jwk, Date.now());
 *   const key = await nodeKey(env.STELLA_KV, 'edge-1');
 */
import type { KVNamespace } from '@cloudflare/workers-types/index.ts';
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { ProblemError } from '../problem.js';

const PREFIX = 'node-key:';

/** A registered key. */
export interface NodeKey {
  node: string;
  /** Public JWK (kty EC, crv P-256, x, y). */
  jwk: JWK;
  /** RFC 7638 thumbprint: the `kid` the node's client assertions carry. */
  kid: string;
  enrolledAt: string;
}

/**
 * Accepts only a public P-256 JWK (a private member is refused, so a careless client cannot leak its key here).
 * @example const jwk = publicP256Jwk(body.jwk);
 */
export function publicP256Jwk(value: unknown): JWK {
  const bad = (why: string) => new ProblemError(400, 'invalid-key', 'Key refused', `jwk: ${why}; send the public half of an EC P-256 key as a JWK`);
  if (typeof value !== 'object' || value === null) throw bad('missing');
  const jwk = value as Record<string, unknown>;
  if ('d' in jwk) throw bad('it holds a private key (d)');
  if (jwk['kty'] !== 'EC' || jwk['crv'] !== 'P-256') throw bad('not an EC P-256 key');
  if (typeof jwk['x'] !== 'string' || typeof jwk['y'] !== 'string') throw bad('x and y must be base64url strings');
  return { kty: 'EC', crv: 'P-256', x: jwk['x'], y: jwk['y'] };
}

/**
 * Records `jwk` as `node`'s key (replacing an earlier one). Refuses a point that is not on the curve.
 * @example await registerNodeKey(kv, 'edge-1', jwk, Date.now())
 */
export async function registerNodeKey(kv: KVNamespace, node: string, jwk: JWK, now: number): Promise<NodeKey> {
  await importJWK(jwk, 'ES256').catch(() => {
    throw new ProblemError(400, 'invalid-key', 'Key refused', 'jwk: x and y are not a point on P-256');
  });
  const record: NodeKey = { node, jwk, kid: await calculateJwkThumbprint(jwk), enrolledAt: new Date(now).toISOString() };
  await kv.put(PREFIX + node, JSON.stringify(record));
  return record;
}

/**
 * The key `node` registered, if any.
 * @example const registered = await nodeKey(kv, claims.iss);
 */
export async function nodeKey(kv: KVNamespace, node: string): Promise<NodeKey | undefined> {
  return (await kv.get<NodeKey>(PREFIX + node, 'json')) ?? undefined;
}
