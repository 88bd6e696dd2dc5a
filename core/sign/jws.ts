/**
 * Detached JWS with an unencoded payload (RFC 7797: `b64: false`,
 * `crit: ["b64"]`), ES256, `kid` = key id. The signing input is
 * `ASCII(BASE64URL(header)) || "." || payload bytes`, so the manifest is
 * signed as the exact bytes on disk and the JWS stays small: its compact form
 * is `header..signature` with the payload section left empty.
 */
import { StellaError } from '../errors.js';
import { assertLowS, toLowS } from './ecdsa.js';
import { base64UrlDecode, base64UrlEncode, utf8Decode } from './encoding.js';
import { importPublicKeyPem } from './keys.js';
import type { SigningKey } from './keys.js';

/** SPKI PEM public keys by kid: a map, or a function (e.g. a key store). */
export type JwsKeyLookup = ReadonlyMap<string, string> | ((kid: string) => string | undefined | Promise<string | undefined>);

function invalid(reason: string, cause?: unknown): never {
  throw new StellaError('SIGNATURE_INVALID', `detached JWS: ${reason}`, cause === undefined ? undefined : { cause });
}

/**
 * Signs `payload` and returns the compact detached form `header..signature`.
 * @example const jws = await signDetachedJws(manifestBytes, signer); // 'eyJhbGciOiJFUzI1NiIs…..MEUC…'
 */
export async function signDetachedJws(payload: Uint8Array, key: SigningKey): Promise<string> {
  // Loaded on first use: a scan that signs nothing never pays for jose's ~50 modules.
  const { FlattenedSign } = await import('jose');
  const jws = await new FlattenedSign(payload)
    .setProtectedHeader({ alg: 'ES256', b64: false, crit: ['b64'], kid: key.keyId })
    .sign(key.privateKey);
  if (jws.protected === undefined) invalid('jose produced no protected header');
  // jose signs with whichever S Web Crypto gives; store the canonical low-S form (see ecdsa.ts).
  const signature = base64UrlEncode(toLowS(base64UrlDecode(jws.signature, 'JWS signature')));
  return `${jws.protected}..${signature}`;
}

/** The protected header after the checks that make it ours: ES256, b64 false, crit b64, a kid. */
function readHeader(encoded: string): { kid: string } {
  let header: unknown;
  try {
    header = JSON.parse(utf8Decode(base64UrlDecode(encoded, 'JWS protected header'), 'JWS protected header'));
  } catch (cause) {
    return invalid(cause instanceof StellaError ? cause.message : 'protected header is not JSON', cause);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return invalid('protected header is not a JSON object');
  const h = header as Record<string, unknown>;
  if (h['alg'] !== 'ES256') invalid(`alg is ${JSON.stringify(h['alg'])}; only ES256 is accepted`);
  const crit = h['crit'];
  if (h['b64'] !== false || !Array.isArray(crit) || crit.length !== 1 || crit[0] !== 'b64') {
    invalid('header must carry b64: false and crit: ["b64"] (RFC 7797 unencoded payload)');
  }
  const kid = h['kid'];
  if (typeof kid !== 'string' || kid === '') return invalid('header has no kid; cannot choose a key');
  return { kid };
}

/**
 * Verifies a compact detached JWS over `payload` with the key its `kid`
 * names, and returns that kid. Throws SIGNATURE_INVALID for a malformed JWS,
 * an attached payload, an unknown kid, or a signature that does not verify.
 * @example const { kid } = await verifyDetachedJws(jws, manifestBytes, new Map([[id, pem]]));
 */
export async function verifyDetachedJws(jws: string, payload: Uint8Array, keys: JwsKeyLookup): Promise<{ kid: string }> {
  const parts = jws.split('.');
  if (parts.length !== 3) invalid(`expected 3 dot-separated parts, found ${parts.length}`);
  const [protectedHeader, attached, signature] = parts as [string, string, string];
  if (attached !== '') invalid('the payload section is not empty; expected a detached JWS (header..signature)');
  const { kid } = readHeader(protectedHeader);
  const pem = typeof keys === 'function' ? await keys(kid) : keys.get(kid);
  if (pem === undefined) invalid(`no trusted public key has kid "${kid}"; add the signer's public key to the trusted keys`);
  let key: CryptoKey;
  try {
    key = await importPublicKeyPem(pem);
  } catch (cause) {
    return invalid(`the trusted key for kid "${kid}" is unusable`, cause);
  }
  const { flattenedVerify } = await import('jose');
  try {
    await flattenedVerify({ protected: protectedHeader, payload, signature }, key, { algorithms: ['ES256'] });
  } catch (cause) {
    invalid(`signature does not verify with the key for kid "${kid}"; the payload or the JWS was altered, or another key signed it`, cause);
  }
  // After the curve math, so another key's signature reads as "does not verify" whatever its S.
  try {
    assertLowS(base64UrlDecode(signature, 'JWS signature'));
  } catch (cause) {
    invalid(`signature for kid "${kid}" is not in canonical low-S form; it was re-encoded`, cause);
  }
  return { kid };
}
