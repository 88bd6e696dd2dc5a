/**
 * Access tokens issued and checked inside workerd with the edge's real
 * signing key (the TOKEN_SIGNING_KEY test secret) and the published keys in
 * the real KV binding: every forged token differs from a passing control in
 * one respect only, so each refusal is about that respect.
 */
import { env } from 'cloudflare:workers';
import { base64url, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueAccessToken, verifyAccessToken } from './access-token.js';
import { publishedKeys, tokenSigner, verificationKey, type TokenSigner } from './signing-keys.js';

const origin = 'https://edge.example';
const jkt = 'dpop-key-thumbprint-for-tests';

async function check(token: string, signer: TokenSigner, now = Date.now()) {
  return verifyAccessToken(token, { origin, keyFor: (kid) => verificationKey(env.STELLA_KV, signer, kid, now), now });
}

/** A token signed by `key` (the edge's own unless given) with the good claims changed by `claims`. */
async function forge(signer: TokenSigner, claims: Record<string, unknown>, header: Record<string, unknown> = {}, key?: CryptoKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: origin, aud: origin, sub: 'edge-1', iat: now, nbf: now, exp: now + 300, cnf: { jkt }, ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: signer.kid, ...header })
    .sign(key ?? signer.privateKey);
}

function encodeJson(value: unknown): string {
  return base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
}

describe('issueAccessToken / verifyAccessToken', () => {
  it('issues a five-minute ES256 token bound to the DPoP key that verifies against the published key', async () => {
    const signer = await tokenSigner(env.TOKEN_SIGNING_KEY);
    const now = Date.now();
    const { token, expiresIn } = await issueAccessToken({ signer, origin, node: 'edge-1', jkt, now });
    expect(expiresIn).toBe(300);
    const claims = await check(token, signer, now);
    expect(claims).toEqual({ node: 'edge-1', jkt, expiresAt: (Math.floor(now / 1000) + 300) * 1000 });
    // The control for the forgeries below.
    expect((await check(await forge(signer, {}), signer)).node).toBe('edge-1');
  });

  it('pins the algorithm: alg none, HS256 keyed with the public JWK, and ES384 are refused', async () => {
    const signer = await tokenSigner(env.TOKEN_SIGNING_KEY);
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: origin, aud: origin, sub: 'edge-1', iat: now, exp: now + 300, cnf: { jkt } };
    const none = `${encodeJson({ alg: 'none', typ: 'at+jwt', kid: signer.kid })}.${encodeJson(payload)}.`;
    await expect(check(none, signer)).rejects.toThrow(/algorithm none not allowed/);
    const hs256 = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: signer.kid }).sign(new TextEncoder().encode(JSON.stringify(signer.publicJwk)));
    await expect(check(hs256, signer)).rejects.toThrow(/algorithm HS256 not allowed/);
    const p384 = await generateKeyPair('ES384');
    await expect(check(await forge(signer, {}, { alg: 'ES384' }, p384.privateKey), signer)).rejects.toThrow(/algorithm ES384 not allowed/);
  });

  it('wants a kid this edge publishes, and a signature by that key', async () => {
    const signer = await tokenSigner(env.TOKEN_SIGNING_KEY);
    const now = Math.floor(Date.now() / 1000);
    const noKid = `${encodeJson({ alg: 'ES256', typ: 'at+jwt' })}.${encodeJson({ iss: origin, aud: origin, sub: 'edge-1', iat: now, exp: now + 300 })}.AAAA`;
    await expect(check(noKid, signer)).rejects.toThrow(/no kid/);
    const stranger = await generateKeyPair('ES256', { extractable: true });
    await expect(check(await forge(signer, {}, { kid: 'not-a-key-of-this-edge' }, stranger.privateKey), signer)).rejects.toThrow(/not a key of this edge/);
    // The edge's kid on a token another key signed.
    await expect(check(await forge(signer, {}, {}, stranger.privateKey), signer)).rejects.toThrow(/signature does not verify/);
    await expect(check('not.a.token', signer)).rejects.toMatchObject({ status: 401, kind: 'invalid-token' });
  });

  it('checks iss, aud, exp and nbf (with 30 s of skew), typ, lifetime and the cnf binding', async () => {
    const signer = await tokenSigner(env.TOKEN_SIGNING_KEY);
    const now = Math.floor(Date.now() / 1000);
    await expect(check(await forge(signer, { iss: 'https://elsewhere.example' }), signer)).rejects.toThrow(/iss/);
    await expect(check(await forge(signer, { aud: 'https://elsewhere.example' }), signer)).rejects.toThrow(/aud/);
    await expect(check(await forge(signer, { iat: now - 400, nbf: now - 400, exp: now - 31 }), signer)).rejects.toThrow(/expired/);
    await expect(check(await forge(signer, { nbf: now + 31, exp: now + 300 }), signer)).rejects.toThrow(/nbf/);
    // Within the skew both pass.
    expect((await check(await forge(signer, { iat: now - 329, nbf: now - 329, exp: now - 29 }), signer)).node).toBe('edge-1');
    expect((await check(await forge(signer, { nbf: now + 29 }), signer)).node).toBe('edge-1');
    await expect(check(await forge(signer, {}, { typ: 'JWT' }), signer)).rejects.toThrow(/typ/);
    await expect(check(await forge(signer, { exp: now + 301 }), signer)).rejects.toThrow(/lives longer/);
    await expect(check(await forge(signer, { cnf: undefined }), signer)).rejects.toThrow(/cnf\.jkt/);
  });

  it('keeps verifying a rotated-out key through KV until its grace period ends', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const oldSigner = await tokenSigner(JSON.stringify(await exportJWK(privateKey)));
    const now = Date.now();
    const { token } = await issueAccessToken({ signer: oldSigner, origin, node: 'edge-1', jkt, now });
    // The old key is the published one when the token is issued; then the secret changes to the edge's key.
    await publishedKeys(env.STELLA_KV, oldSigner, now);
    const current = await tokenSigner(env.TOKEN_SIGNING_KEY);
    expect((await check(token, current, now)).node).toBe('edge-1');
    const record = (await env.STELLA_KV.get<{ current: JWK; retired: { jwk: JWK; verifyUntil: number }[] }>('jwks:published', 'json'))!;
    expect(record.current.kid).toBe(current.kid);
    expect(record.retired.map((r) => r.jwk.kid)).toEqual([oldSigner.kid]);
    expect(record.retired[0]?.verifyUntil).toBe(now + 330_000);
    await expect(check(token, current, now + 330_000)).rejects.toThrow(/not a key of this edge/);
    expect(await importJWK(record.current, 'ES256')).toBeInstanceOf(CryptoKey);
  });
});
