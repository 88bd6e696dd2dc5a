/**
 * Spending one-time enrollment tokens against the real KV binding and the
 * node's Durable Object: once only, never after expiry, never an unknown
 * token, and never twice even when a stale KV copy still holds the token
 * (the Durable Object's claim decides, not KV).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { durableReplayGuard } from './claim-once.js';
import { createEnrollmentToken, spendEnrollmentToken } from './enrollment-tokens.js';

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('enrollment tokens', () => {
  it('stores only the hash, and spends a token once', async () => {
    const guard = durableReplayGuard(env.NODE);
    const now = Date.now();
    const { token, expiresAt } = await createEnrollmentToken(env.STELLA_KV, { node: 'n-spend', ttlSeconds: 3600, now });
    expect(token).toMatch(/^stet_[A-Za-z0-9_-]{43}$/);
    const stored = await env.STELLA_KV.list({ prefix: 'enroll-token:' });
    expect(stored.keys.map((k) => k.name)).toContain(`enroll-token:${await sha256Hex(token)}`);
    expect(stored.keys.some((k) => k.name.includes(token))).toBe(false);
    expect(await spendEnrollmentToken(env.STELLA_KV, guard, token, now)).toEqual({ node: 'n-spend', expiresAt });
    await expect(spendEnrollmentToken(env.STELLA_KV, guard, token, now)).rejects.toMatchObject({ status: 403, kind: 'enrollment-token-invalid' });
  });

  it('refuses a token spent elsewhere whose KV entry a stale location still holds', async () => {
    const guard = durableReplayGuard(env.NODE);
    const now = Date.now();
    const { token } = await createEnrollmentToken(env.STELLA_KV, { node: 'n-stale', ttlSeconds: 3600, now });
    const key = `enroll-token:${await sha256Hex(token)}`;
    const copy = await env.STELLA_KV.get(key);
    await spendEnrollmentToken(env.STELLA_KV, guard, token, now);
    // What a KV read at another location may still see for up to a minute.
    await env.STELLA_KV.put(key, copy ?? '');
    await expect(spendEnrollmentToken(env.STELLA_KV, guard, token, now)).rejects.toThrow(/already used/);
  });

  it('refuses an expired token and an unknown one', async () => {
    const guard = durableReplayGuard(env.NODE);
    const now = Date.now();
    const { token } = await createEnrollmentToken(env.STELLA_KV, { node: 'n-expired', ttlSeconds: 60, now });
    await expect(spendEnrollmentToken(env.STELLA_KV, guard, token, now + 60_000)).rejects.toThrow(/expired/);
    await expect(spendEnrollmentToken(env.STELLA_KV, guard, 'stet_never-issued', now)).rejects.toThrow(/unknown/);
    // Not spent by the refusal: still good before its expiry.
    expect((await spendEnrollmentToken(env.STELLA_KV, guard, token, now + 59_000)).node).toBe('n-expired');
  });
});
