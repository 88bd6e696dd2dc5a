/**
 * Login attempts per client: at most {@link LOGIN_ATTEMPTS} in any
 * {@link LOGIN_WINDOW_SECONDS}, so the dashboard secret cannot be guessed
 * at speed. The count lives in a Durable Object (strongly consistent, one
 * per client: `login:<client>`, a scope no node name can take) through the
 * one-time claims the authority already uses (`claim-once.ts`): the client
 * has {@link LOGIN_ATTEMPTS} slots, an attempt claims the first free one,
 * and a slot frees itself a window after it was taken. So the limit slides
 * (no burst of twice the limit across a window edge) and needs no new
 * Durable Object protocol. Every attempt counts, right or wrong: an
 * operator needs one.
 *
 * The client is `CF-Connecting-IP` (set by Cloudflare, which overwrites
 * what a client sends; Miniflare sets it from the socket); IPv6 clients are
 * counted by /64, the block one subscriber usually holds.
 *
 * @example
 *   const allowance = await takeLoginAttempt(durableReplayGuard(env.NODE), loginClient(request), Date.now());
 *   if (allowance.$case === 'limited') throw tooMany(allowance.retryAfterSeconds);
 */
import type { ReplayGuard } from './claim-once.js';

/** Attempts a client may make in a window. */
export const LOGIN_ATTEMPTS = 10;
/** The sliding window (15 min). */
export const LOGIN_WINDOW_SECONDS = 15 * 60;

/** Whether this attempt may go on. */
export type LoginAllowance = { $case: 'allowed' } | { $case: 'limited'; retryAfterSeconds: number };

/**
 * Takes one attempt for `client`, or says how long to wait.
 * @example (await takeLoginAttempt(guard, '192.0.2.1', Date.now())).$case // 'allowed' the first 10 times
 */
export async function takeLoginAttempt(guard: ReplayGuard, client: string, now: number): Promise<LoginAllowance> {
  const freeAt = now + LOGIN_WINDOW_SECONDS * 1000;
  for (let slot = 0; slot < LOGIN_ATTEMPTS; slot++) {
    if (await guard.claim(`login:${client}`, `login-slot:${slot}`, freeAt)) return { $case: 'allowed' };
  }
  // The slots' own expiry is not reported back: the window is the honest upper bound.
  return { $case: 'limited', retryAfterSeconds: LOGIN_WINDOW_SECONDS };
}

/**
 * Who is attempting: the client's IP address (IPv6 by its /64), `unknown` without one.
 * @example loginClient(new Request(url, { headers: { 'CF-Connecting-IP': '2001:db8::1' } })) // '2001:db8:0:0::/64'
 */
export function loginClient(request: Request): string {
  const ip = request.headers.get('CF-Connecting-IP')?.trim() ?? '';
  if (ip === '') return 'unknown';
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
