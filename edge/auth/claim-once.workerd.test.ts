/**
 * One-time claims in the real per-node Durable Object (`NodeObject`, the
 * NODE binding of wrangler.toml): a key claimed twice wins once, also when
 * both claims race; scopes are separate objects; an expired claim may be
 * made again and is pruned from storage.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { NodeObject } from '../node-object.js';
import { CLAIM_ONCE_PATH, claimOnce, durableReplayGuard, handleClaimOnce } from './claim-once.js';

const later = () => Date.now() + 60_000;

describe('durableReplayGuard through the NODE Durable Object', () => {
  it('lets a jti be claimed once per node', async () => {
    const guard = durableReplayGuard(env.NODE);
    const jti = `dpop:jkt:${crypto.randomUUID()}`;
    expect(await guard.claim('node-a', jti, later())).toBe(true);
    expect(await guard.claim('node-a', jti, later())).toBe(false);
    // Another node's object knows nothing of it.
    expect(await guard.claim('node-b', jti, later())).toBe(true);
  });

  it('gives exactly one winner when the same claim arrives many times at once', async () => {
    const guard = durableReplayGuard(env.NODE);
    const key = `assertion:${crypto.randomUUID()}`;
    const answers = await Promise.all(Array.from({ length: 12 }, () => guard.claim('node-race', key, later())));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });
});

describe('claimOnce inside the object', () => {
  it('forgets a claim once it has expired, and prunes it from storage', async () => {
    const stub = env.NODE.get(env.NODE.idFromName('node-expiry'));
    await runInDurableObject(stub, async (instance: NodeObject, state) => {
      expect(instance).toBeInstanceOf(NodeObject);
      const now = Date.now();
      expect(await claimOnce(state.storage, 'enroll:old', now + 1000, now)).toBe(true);
      expect(await claimOnce(state.storage, 'enroll:old', now + 1000, now + 999)).toBe(false);
      expect(await claimOnce(state.storage, 'enroll:new', now + 5000, now + 1001)).toBe(true);
      // The expired entry went on the second claim after its expiry; the live one stays.
      const keys = [...(await state.storage.list({ prefix: 'once:k:' })).keys()];
      expect(keys).toEqual(['once:k:enroll:new']);
      expect(await claimOnce(state.storage, 'enroll:old', now + 9000, now + 1002)).toBe(true);
    });
  });

  it('answers only its own path, and refuses a claim without key and expiry', async () => {
    const stub = env.NODE.get(env.NODE.idFromName('node-protocol'));
    await runInDurableObject(stub, async (_instance: NodeObject, state) => {
      const url = `https://node-object${CLAIM_ONCE_PATH}`;
      expect(await handleClaimOnce(state.storage, new Request('https://node-object/other', { method: 'POST', body: '{}' }))).toBeUndefined();
      expect(await handleClaimOnce(state.storage, new Request(url))).toBeUndefined();
      const bad = await handleClaimOnce(state.storage, new Request(url, { method: 'POST', body: JSON.stringify({ key: 'k' }) }));
      expect(bad?.status).toBe(400);
      const good = await handleClaimOnce(state.storage, new Request(url, { method: 'POST', body: JSON.stringify({ key: 'k', expiresAt: later() }) }));
      expect(await good?.json()).toEqual({ claimed: true });
    });
    // And through the object's own fetch: anything else is a 404.
    expect((await stub.fetch('https://node-object/nothing-here')).status).toBe(404);
  });
});
