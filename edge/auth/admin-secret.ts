/**
 * The admin endpoints' guard: `Authorization: Bearer <ADMIN_SECRET>`,
 * compared in constant time. Both sides are hashed first, so the
 * comparison takes the same time whatever the length or the first
 * differing byte of a guess.
 *
 * @example app.post('/v1/admin/enrollment-tokens', requireAdmin(), handler);
 */
import type { MiddlewareHandler } from 'hono';
import type { EdgeEnv } from '../env.js';
import { ProblemError } from '../problem.js';

/**
 * Refuses (401) a request without the admin secret; refuses (500) to run with no secret configured.
 * @example app.use('/v1/admin/*', requireAdmin());
 */
export function requireAdmin(): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const secret = c.env.ADMIN_SECRET ?? '';
    if (secret.length < 16) throw new ProblemError(500, 'edge-misconfigured', 'Edge misconfigured', 'ADMIN_SECRET is not set (or shorter than 16 characters); set it with `wrangler secret put ADMIN_SECRET`');
    const match = /^Bearer (.+)$/.exec(c.req.header('Authorization') ?? '');
    if (match === null || !(await sameSecret(match[1] as string, secret))) {
      throw new ProblemError(401, 'admin-unauthorized', 'Admin secret refused', 'send the edge admin secret as `Authorization: Bearer <secret>`', {}, { 'WWW-Authenticate': 'Bearer realm="stella-edge-admin"' });
    }
    await next();
  };
}

/**
 * Constant-time equality of two strings (through their SHA-256).
 * @example await sameSecret(given, expected)
 */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [x, y] = await Promise.all([crypto.subtle.digest('SHA-256', encoder.encode(a)), crypto.subtle.digest('SHA-256', encoder.encode(b))]);
  const left = new Uint8Array(x);
  const right = new Uint8Array(y);
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= (left[i] as number) ^ (right[i] as number);
  return difference === 0;
}
