/**
 * The DPoP proof check on its own, inside workerd (jose on Workers' Web
 * Crypto): what RFC 9449 asks of a proof, each refusal for its one reason.
 * The Worker-level suite (authority.test.ts) sends proofs over HTTP.
 */
import { base64url, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { dpopProof, newDpopKey } from '../../core/auth/client-proofs.js';
import { normaliseHtu, verifyDpopProof } from './dpop.js';

const url = 'https://edge.example/v1/reports';

describe('verifyDpopProof', () => {
  it('accepts a fresh proof and gives its key thumbprint', async () => {
    const key = await newDpopKey();
    const proof = await verifyDpopProof(await dpopProof(key, { method: 'POST', url }), { method: 'POST', url: 'HTTPS://EDGE.example:443/v1/reports?x=1', now: Date.now() });
    expect(proof.jkt).toBe(key.jkt);
  });

  it('refuses no proof, a proof dated in the future, a private key in the header, the wrong typ, and a missing ath', async () => {
    const key = await newDpopKey();
    const now = Date.now();
    await expect(verifyDpopProof(undefined, { method: 'POST', url, now })).rejects.toMatchObject({ status: 401, kind: 'invalid-dpop-proof' });
    await expect(verifyDpopProof(await dpopProof(key, { method: 'POST', url, now: now + 60_000 }), { method: 'POST', url, now })).rejects.toThrow(/future/);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const withPrivate = await new SignJWT({ htm: 'POST', htu: url })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(privateKey) })
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .sign(privateKey);
    await expect(verifyDpopProof(withPrivate, { method: 'POST', url, now })).rejects.toMatchObject({ kind: 'invalid-dpop-proof' });
    const wrongTyp = await new SignJWT({ htm: 'POST', htu: url })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: key.publicJwk })
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .sign(key.privateKey);
    await expect(verifyDpopProof(wrongTyp, { method: 'POST', url, now })).rejects.toMatchObject({ kind: 'invalid-dpop-proof' });
    await expect(verifyDpopProof(await dpopProof(key, { method: 'POST', url }), { method: 'POST', url, accessToken: 'a.b.c', now })).rejects.toThrow(/ath/);
  });
});

describe('verifyDpopProof, one wrong claim at a time', () => {
  const now = Date.now();

  it('refuses a proof for another method, another URL, made too long ago, or with a short jti', async () => {
    const key = await newDpopKey();
    await expect(verifyDpopProof(await dpopProof(key, { method: 'GET', url }), { method: 'POST', url, now })).rejects.toThrow(/made for GET, not POST/);
    await expect(verifyDpopProof(await dpopProof(key, { method: 'POST', url: 'https://edge.example/v1/token' }), { method: 'POST', url, now })).rejects.toThrow(/made for https:\/\/edge.example\/v1\/token/);
    await expect(verifyDpopProof(await dpopProof(key, { method: 'POST', url, now: now - 61_000 }), { method: 'POST', url, now })).rejects.toThrow(/too old/);
    const shortJti = await new SignJWT({ htm: 'POST', htu: url }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk }).setJti('short').setIssuedAt().sign(key.privateKey);
    await expect(verifyDpopProof(shortJti, { method: 'POST', url, now })).rejects.toThrow(/jti/);
    // The control: the same key, method and URL at the edge of the window pass.
    const fresh = await verifyDpopProof(await dpopProof(key, { method: 'POST', url, now: now - 59_000 }), { method: 'POST', url, now });
    expect(fresh.rememberUntil).toBeGreaterThan(now);
  });

  it('refuses an unsigned proof, an HS256 one, a tampered signature and two proofs in one header', async () => {
    const key = await newDpopKey();
    const good = await dpopProof(key, { method: 'POST', url });
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
    const unsigned = `${encode({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })}.${payload}.`;
    await expect(verifyDpopProof(unsigned, { method: 'POST', url, now })).rejects.toMatchObject({ status: 401, kind: 'invalid-dpop-proof' });
    const hs256 = await new SignJWT({ htm: 'POST', htu: url })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.publicJwk })
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
    await expect(verifyDpopProof(hs256, { method: 'POST', url, now })).rejects.toThrow(/algorithm not allowed/);
    const flipped = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    await expect(verifyDpopProof(flipped, { method: 'POST', url, now })).rejects.toThrow(/signature/);
    await expect(verifyDpopProof(`${good}, ${good}`, { method: 'POST', url, now })).rejects.toThrow(/more than one/);
    expect((await verifyDpopProof(good, { method: 'POST', url, now })).jkt).toBe(key.jkt);
  });

  it('answers a refusal with the DPoP challenge and the OAuth error code', async () => {
    const refusal = await verifyDpopProof('not-a-jwt', { method: 'POST', url, now }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ status: 401, kind: 'invalid-dpop-proof', extensions: { error: 'invalid_dpop_proof' } });
    expect((refusal as { headers: Record<string, string> }).headers['WWW-Authenticate']).toBe('DPoP algs="ES256", error="invalid_dpop_proof"');
  });
});

describe('normaliseHtu', () => {
  it('drops query, fragment and default port, and lower-cases scheme and host', () => {
    expect(normaliseHtu('HTTPS://Edge.Example:443/v1/token?x=1#f')).toBe('https://edge.example/v1/token');
    expect(normaliseHtu('http://127.0.0.1:8787/v1/token')).toBe('http://127.0.0.1:8787/v1/token');
    expect(normaliseHtu('https://edge.example/V1/Token')).toBe('https://edge.example/V1/Token');
  });
});
