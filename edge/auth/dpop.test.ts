/**
 * The DPoP proof check on its own (no Worker): what RFC 9449 asks of a
 * proof beyond what the Worker-level suite (authority.test.ts) sends.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
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

describe('normaliseHtu', () => {
  it('drops query, fragment and default port, and lower-cases scheme and host', () => {
    expect(normaliseHtu('HTTPS://Edge.Example:443/v1/token?x=1#f')).toBe('https://edge.example/v1/token');
    expect(normaliseHtu('http://127.0.0.1:8787/v1/token')).toBe('http://127.0.0.1:8787/v1/token');
    expect(normaliseHtu('https://edge.example/V1/Token')).toBe('https://edge.example/V1/Token');
  });
});
