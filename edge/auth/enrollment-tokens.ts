/**
 * One-time enrollment tokens: an operator asks for one for a node name
 * (`POST /v1/admin/enrollment-tokens`, or `stella edge token create`) and
 * hands it to that node, which spends it once on `POST /v1/enroll`. Only
 * the SHA-256 of a token is stored (KV, expiring with the token), so a
 * leaked KV dump enrolls nobody. Spending is claimed in the node's Durable
 * Object (`claim-once.ts`), because a KV read can be stale.
 *
 * @example
 *   const { token } = await createEnrollmentToken(env.STELLA_KV, { node: 'edge-1', ttlSeconds: 3600, now: Date.now() });
 *   const grant = await spendEnrollmentToken(env.STELLA_KV, guard, token, Date.now());
 */
import type { KVNamespace } from '@cloudflare/workers-types/index.ts';
import { base64url } from 'jose';
import { ProblemError } from '../problem.js';
import type { ReplayGuard } from './claim-once.js';

/** Default and longest life of an enrollment token. */
export const ENROLLMENT_TOKEN_TTL_SECONDS = { default: 86_400, max: 7 * 86_400, min: 60 } as const;

const PREFIX = 'enroll-token:';

/** What a token grants: enrolling one key for `node`, before `expiresAt` (ms). */
export interface EnrollmentGrant {
  node: string;
  expiresAt: number;
}

/**
 * A fresh random token for `node`, stored hashed; the token itself is returned once and never stored.
 * @example const { token, expiresAt } = await createEnrollmentToken(kv, { node, ttlSeconds, now });
 */
export async function createEnrollmentToken(kv: KVNamespace, request: { node: string; ttlSeconds: number; now: number }): Promise<{ token: string; expiresAt: number }> {
  const token = `stet_${base64url.encode(crypto.getRandomValues(new Uint8Array(32)))}`;
  const expiresAt = request.now + request.ttlSeconds * 1000;
  const grant: EnrollmentGrant = { node: request.node, expiresAt };
  // KV's expirationTtl has a 60 s floor; the stored expiry is what is checked.
  await kv.put(PREFIX + (await tokenHash(token)), JSON.stringify(grant), { expirationTtl: Math.max(60, request.ttlSeconds) });
  return { token, expiresAt };
}

/**
 * Spends `token`: checks it exists and has not expired, claims it once in the node's Durable Object, deletes it.
 * Throws a 403 `enrollment-token-invalid` problem for an unknown, expired or already used token.
 * @example const { node } = await spendEnrollmentToken(kv, guard, body.token, Date.now());
 */
export async function spendEnrollmentToken(kv: KVNamespace, guard: ReplayGuard, token: string, now: number): Promise<EnrollmentGrant> {
  const hash = await tokenHash(token);
  const grant = await kv.get<EnrollmentGrant>(PREFIX + hash, 'json');
  if (grant === null) throw refused('the enrollment token is unknown or already used: ask the operator for a new one (stella edge token create)');
  if (grant.expiresAt <= now) throw refused('the enrollment token has expired: ask the operator for a new one (stella edge token create)');
  // Remembered a little past the token's own expiry, so a stale KV copy elsewhere cannot be spent twice.
  if (!(await guard.claim(grant.node, `enroll:${hash}`, grant.expiresAt + 120_000))) {
    throw refused('the enrollment token was already used: ask the operator for a new one (stella edge token create)');
  }
  await kv.delete(PREFIX + hash);
  return grant;
}

function refused(detail: string): ProblemError {
  return new ProblemError(403, 'enrollment-token-invalid', 'Enrollment token refused', detail);
}

async function tokenHash(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}
