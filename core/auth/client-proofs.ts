/**
 * The client's half of DPoP (RFC 9449) and `private_key_jwt` (RFC 7523):
 * making the proofs and assertions the edge checks (edge/auth/). A DPoP
 * key is made fresh per client (it never leaves memory); the client
 * assertion is signed by the node's enrolled key.
 *
 * @example
 *   const dpop = await newDpopKey();
 *   const proof = await dpopProof(dpop, { method: 'POST', url: 'https://edge.example/v1/token' });
 */
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { SigningKey } from '../sign/keys.js';

/** The `client_assertion_type` of RFC 7523. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A DPoP key pair and its public JWK. */
export interface DpopKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  jkt: string;
}

/**
 * A fresh, non-extractable P-256 DPoP key.
 * @example const dpop = await newDpopKey();
 */
export async function newDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const publicJwk: JWK = { kty, crv, x, y };
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

/**
 * A proof for one request; with `accessToken`, bound to it (`ath`).
 * @example headers.set('DPoP', await dpopProof(dpop, { method: 'GET', url, accessToken }));
 */
export async function dpopProof(key: DpopKey, request: { method: string; url: string; accessToken?: string; now?: number }): Promise<string> {
  const url = new URL(request.url);
  const claims: Record<string, string> = { htm: request.method.toUpperCase(), htu: `${url.protocol}//${url.host}${url.pathname}` };
  if (request.accessToken !== undefined) {
    claims['ath'] = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(request.accessToken))));
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk })
    .setJti(crypto.randomUUID())
    .setIssuedAt(Math.floor((request.now ?? Date.now()) / 1000))
    .sign(key.privateKey);
}

/**
 * The public JWK of a node key (what `stella agent enroll` registers).
 * @example const jwk = await publicJwkOf(key);
 */
export async function publicJwkOf(key: SigningKey): Promise<JWK> {
  const { kty, crv, x, y } = await exportJWK(key.privateKey);
  return { kty, crv, x, y };
}

/**
 * A one-use client assertion for the token endpoint: iss = sub = node, aud = token endpoint, 60 s life.
 * @example form.set('client_assertion', await clientAssertion(key, { node, tokenEndpoint }));
 */
export async function clientAssertion(key: SigningKey, request: { node: string; tokenEndpoint: string; now?: number }): Promise<string> {
  const iat = Math.floor((request.now ?? Date.now()) / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: await calculateJwkThumbprint(await publicJwkOf(key)) })
    .setIssuer(request.node)
    .setSubject(request.node)
    .setAudience(request.tokenEndpoint)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60)
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
}
