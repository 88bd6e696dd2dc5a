/**
 * ECDSA P-256 / SHA-256 signing and verification with one canonical
 * signature per message: low S only (BIP 62 / RFC 6979's "s ≤ n/2" rule, as
 * Bitcoin, Ethereum and Cosmos enforce it).
 *
 * Why: for any valid (r, s), (r, n − s) is valid too. Without the rule an
 * attacker with no key can re-encode a signed bundle or JWS into different
 * bytes that still verify — a "new" report or manifest that replays an old
 * one under another digest. Web Crypto signs with either S, so we fold the
 * high half down when signing and refuse it when verifying.
 *
 * Signatures here are IEEE P1363 `r || s` (Web Crypto's and JWS's form);
 * `ecdsa-der.ts` converts to and from the DER that DSSE and Sigstore use.
 *
 * @example
 *   const sig = await signP256(key.privateKey, bytes);          // always low S
 *   const ok = await verifyP256(publicKey, sig, bytes);         // false for high S
 */
import { StellaError } from '../errors.js';
import { bufferSource } from './encoding.js';

const ECDSA_SHA256: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

/** The order n of the P-256 group (FIPS 186-4, D.1.2.3). */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER = P256_ORDER >> 1n;
const SCALAR_BYTES = 32;

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

function toBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(SCALAR_BYTES);
  let v = value;
  for (let i = SCALAR_BYTES - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function checkLength(p1363: Uint8Array): void {
  if (p1363.length !== SCALAR_BYTES * 2) {
    throw new StellaError('SIGNATURE_INVALID', `ECDSA P-256 signature has ${p1363.length} bytes; expected 64 (r || s)`);
  }
}

/**
 * True when `s` of a P1363 signature is in the lower half of the group order.
 * @example isLowS(sig) // false for a signature a third party re-encoded as (r, n − s)
 */
export function isLowS(p1363: Uint8Array): boolean {
  checkLength(p1363);
  return toBigInt(p1363.subarray(SCALAR_BYTES)) <= P256_HALF_ORDER;
}

/**
 * The same signature with `s` replaced by `n − s` when it is high; a copy otherwise.
 * @example const canonical = toLowS(new Uint8Array(await crypto.subtle.sign(alg, key, data)));
 */
export function toLowS(p1363: Uint8Array): Uint8Array<ArrayBuffer> {
  checkLength(p1363);
  const out = new Uint8Array(p1363);
  const s = toBigInt(p1363.subarray(SCALAR_BYTES));
  if (s > P256_HALF_ORDER) out.set(toBytes(P256_ORDER - s), SCALAR_BYTES);
  return out;
}

/**
 * Signs `bytes` with an ECDSA P-256 private key; the result (P1363) always has low S.
 * @example const sig = await signP256(key.privateKey, payload);
 */
export async function signP256(privateKey: CryptoKey, bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return toLowS(new Uint8Array(await crypto.subtle.sign(ECDSA_SHA256, privateKey, bufferSource(bytes))));
}

/**
 * Verifies a P1363 signature: false when it does not verify; a valid
 * signature in high-S form is refused with SIGNATURE_INVALID, since only its
 * low-S twin is the canonical encoding. (The curve math runs first, so a
 * signature by another key reads as "does not verify", whatever its S.)
 * @example if (!(await verifyP256(publicKey, sig, payload))) throw …
 */
export async function verifyP256(publicKey: CryptoKey, p1363: Uint8Array, bytes: Uint8Array): Promise<boolean> {
  checkLength(p1363);
  if (!(await crypto.subtle.verify(ECDSA_SHA256, publicKey, bufferSource(p1363), bufferSource(bytes)))) return false;
  assertLowS(p1363);
  return true;
}

/**
 * Throws SIGNATURE_INVALID for a high-S signature.
 * @example assertLowS(derToP1363(der));
 */
export function assertLowS(p1363: Uint8Array): void {
  if (!isLowS(p1363)) {
    throw new StellaError('SIGNATURE_INVALID', 'ECDSA signature has a high S value (not the canonical low-S form); it was re-encoded or made by a non-conforming signer');
  }
}
