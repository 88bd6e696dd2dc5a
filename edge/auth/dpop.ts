/**
 * DPoP proofs (RFC 9449): a JWT the client signs with its DPoP key for each
 * request, carrying that key (`jwk` header), the method and URL (`htm`,
 * `htu`), a unique `jti`, the time (`iat`) and, beside an access token, the
 * token's hash (`ath`). Checking one here is pure; remembering its `jti` is
 * the caller's job (see `claim-once.ts`), until {@link DpopProof.rememberUntil}.
 *
 * @example
 *   const proof = await verifyDpopProof(header, { method: 'POST', url: `${origin}/v1/token`, now: Date.now() });
 *   proof.jkt // thumbprint the access token will be bound to
 */
import { base64url, calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import { authProblem, rethrowAs } from './jose-problem.js';
import { CLOCK_SKEW_SECONDS } from './signing-keys.js';

/** How old a proof may be (RFC 9449 §11.1 leaves the window to the server; seconds, not minutes). */
export const DPOP_MAX_AGE_SECONDS = 60;
/** How far in the future a proof's iat may be (clock skew). */
const DPOP_FUTURE_SECONDS = 5;

/** A verified proof. */
export interface DpopProof {
  /** RFC 7638 thumbprint of the proof's key. */
  jkt: string;
  jti: string;
  /** ms since epoch: after this, the proof is too old anyway, so its jti need not be remembered. */
  rememberUntil: number;
}

/** What the proof must match. */
export interface DpopExpectation {
  method: string;
  /** The request's URL as the client addressed it (the edge's public origin + path). */
  url: string;
  /** The access token the proof accompanies (its hash must be `ath`). */
  accessToken?: string;
  now: number;
}

/**
 * Verifies a proof against the request. Throws a 401 `invalid-dpop-proof` problem naming what did not match.
 * @example await verifyDpopProof(c.req.header('DPoP'), { method: c.req.method, url, accessToken, now })
 */
export async function verifyDpopProof(proof: string | undefined, expected: DpopExpectation): Promise<DpopProof> {
  if (proof === undefined || proof === '') throw authProblem('invalid-dpop-proof', 'no DPoP header: send a DPoP proof (RFC 9449) with this request');
  if (proof.includes(',')) throw authProblem('invalid-dpop-proof', 'more than one DPoP header');
  const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
    algorithms: ['ES256'],
    typ: 'dpop+jwt',
    requiredClaims: ['jti', 'iat', 'htm', 'htu'],
    currentDate: new Date(expected.now),
  }).catch(rethrowAs('invalid-dpop-proof', 'DPoP proof'));
  const jwk = protectedHeader.jwk;
  if (jwk === undefined || 'd' in jwk) throw authProblem('invalid-dpop-proof', 'the proof must carry a public jwk, and never a private key');
  if (payload['htm'] !== expected.method) throw authProblem('invalid-dpop-proof', `the proof was made for ${String(payload['htm'])}, not ${expected.method}`);
  if (typeof payload['htu'] !== 'string' || normaliseHtu(payload['htu']) !== normaliseHtu(expected.url)) {
    throw authProblem('invalid-dpop-proof', `the proof was made for ${String(payload['htu'])}, not ${normaliseHtu(expected.url)}`);
  }
  const iat = payload.iat as number;
  const nowSeconds = expected.now / 1000;
  if (iat < nowSeconds - DPOP_MAX_AGE_SECONDS) throw authProblem('invalid-dpop-proof', `the proof is too old (made ${Math.round(nowSeconds - iat)} s ago; at most ${DPOP_MAX_AGE_SECONDS} s): make a fresh one per request`);
  if (iat > nowSeconds + DPOP_FUTURE_SECONDS) throw authProblem('invalid-dpop-proof', 'the proof is dated in the future: check the clock');
  if (expected.accessToken !== undefined && payload['ath'] !== (await accessTokenHash(expected.accessToken))) {
    throw authProblem('invalid-dpop-proof', 'ath does not match the access token (base64url SHA-256 of the token)');
  }
  if (typeof payload.jti !== 'string' || payload.jti.length < 16 || payload.jti.length > 128) throw authProblem('invalid-dpop-proof', 'jti must be a unique string of 16 to 128 characters');
  return { jkt: await calculateJwkThumbprint(jwk), jti: payload.jti, rememberUntil: (iat + DPOP_MAX_AGE_SECONDS + CLOCK_SKEW_SECONDS) * 1000 };
}

/**
 * `htu` compared without query and fragment, with scheme and host lower-cased and a default port dropped (RFC 9449 §4.3).
 * @example normaliseHtu('HTTPS://Edge.Example:443/v1/token?x=1') // 'https://edge.example/v1/token'
 */
export function normaliseHtu(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return url;
  }
}

/**
 * `ath`: base64url SHA-256 of the access token's ASCII bytes.
 * @example await accessTokenHash(token)
 */
export async function accessTokenHash(token: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));
}
