/**
 * DSSE v1 envelopes (https://github.com/secure-systems-lab/dsse) signed with
 * ECDSA P-256 / SHA-256, signatures in ASN.1 DER as Sigstore and cosign
 * write them.
 *
 * The signature covers the pre-authentication encoding (PAE) of payload type
 * and payload, never the base64 text, so the type cannot be swapped and the
 * payload is verified as the exact bytes the signer had.
 */
import { StellaError } from '../errors.js';
import { signP256, verifyP256 } from './ecdsa.js';
import { p1363ToDer, derToP1363 } from './ecdsa-der.js';
import { base64Decode, base64Encode, bufferSource, utf8Encode } from './encoding.js';
import type { SigningKey } from './keys.js';

/** Payload type of an in-toto statement inside DSSE. */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** One signature of an envelope; `keyid` is an unauthenticated hint. */
export type DsseSignature = {
  keyid: string;
  /** Standard base64 of the DER signature. */
  sig: string;
};

/** A DSSE envelope in its JSON form (a type alias, so it is a JsonValue). */
export type DsseEnvelope = {
  /** Standard base64 of the payload bytes. */
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
};

/**
 * `DSSEv1 SP LEN(type) SP type SP LEN(body) SP body`, lengths being decimal
 * byte counts (of the UTF-8 type, of the raw body).
 * @example preAuthEncoding('http://example.com/HelloWorld', utf8('hello world'))
 *   // bytes of 'DSSEv1 29 http://example.com/HelloWorld 11 hello world'
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const type = utf8Encode(payloadType);
  const head = utf8Encode(`DSSEv1 ${type.length} `);
  const mid = utf8Encode(` ${payload.length} `);
  const out = new Uint8Array(head.length + type.length + mid.length + payload.length);
  out.set(head, 0);
  out.set(type, head.length);
  out.set(mid, head.length + type.length);
  out.set(payload, head.length + type.length + mid.length);
  return out;
}

/**
 * Signs `payload` into a one-signature envelope whose `keyid` is the key's id.
 * @example const env = await signEnvelope(statementBytes, INTOTO_PAYLOAD_TYPE, signer);
 */
export async function signEnvelope(payload: Uint8Array, payloadType: string, key: SigningKey): Promise<DsseEnvelope> {
  const pae = preAuthEncoding(payloadType, payload);
  const raw = await signP256(key.privateKey, pae);
  return {
    payload: base64Encode(payload),
    payloadType,
    signatures: [{ keyid: key.keyId, sig: base64Encode(p1363ToDer(raw)) }],
  };
}

/**
 * True when the DER `signature` is valid for `payloadType`/`payload` under
 * `publicKey`. Throws SIGNATURE_INVALID for a malformed DER signature or a
 * high-S one (not canonical: see `ecdsa.ts`) unless `allowHighS` is set for
 * a third-party signer.
 * @example await verifyPae(publicKey, type, payloadBytes, derSig) // true
 */
export async function verifyPae(
  publicKey: CryptoKey,
  payloadType: string,
  payload: Uint8Array,
  signature: Uint8Array,
  options: { allowHighS?: boolean } = {},
): Promise<boolean> {
  const raw = derToP1363(signature);
  const pae = preAuthEncoding(payloadType, payload);
  if (options.allowHighS === true) return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, raw, bufferSource(pae));
  return verifyP256(publicKey, raw, pae);
}

/**
 * Verifies an envelope against one public key and returns the payload bytes.
 * Succeeds when any signature verifies: `keyid` is not signed, so it is not
 * used to pick the signature. Throws SIGNATURE_INVALID otherwise.
 * @example const payload = await verifyEnvelope(envelope, await importPublicKeyPem(pem));
 */
export async function verifyEnvelope(envelope: DsseEnvelope, publicKey: CryptoKey): Promise<Uint8Array> {
  const payload = base64Decode(envelope.payload, 'DSSE payload');
  if (envelope.signatures.length === 0) throw new StellaError('SIGNATURE_INVALID', 'DSSE envelope has no signatures');
  let malformed: unknown;
  for (const [i, signature] of envelope.signatures.entries()) {
    try {
      const der = base64Decode(signature.sig, `DSSE signature ${i}`);
      if (await verifyPae(publicKey, envelope.payloadType, payload, der)) return payload;
    } catch (cause) {
      // Another signer's malformed signature must not hide a valid one of ours.
      malformed ??= cause;
    }
  }
  if (malformed !== undefined && envelope.signatures.length === 1) throw malformed;
  throw new StellaError('SIGNATURE_INVALID', 'DSSE signature does not verify with the given public key over the payload and payload type');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that `value` (parsed JSON) has the envelope shape: string `payload`
 * and `payloadType`, a non-empty `signatures` array of `{ sig, keyid? }`.
 * Throws SIGNATURE_INVALID naming the missing or mistyped field.
 * @example const envelope = parseEnvelope(JSON.parse(text));
 */
export function parseEnvelope(value: unknown, where: string = 'DSSE envelope'): DsseEnvelope {
  if (!isRecord(value)) throw new StellaError('SIGNATURE_INVALID', `${where} is not a JSON object`);
  const { payload, payloadType, signatures } = value;
  if (typeof payload !== 'string' || payload === '') throw new StellaError('SIGNATURE_INVALID', `${where}.payload is missing or not a non-empty string`);
  if (typeof payloadType !== 'string' || payloadType === '') throw new StellaError('SIGNATURE_INVALID', `${where}.payloadType is missing or not a non-empty string`);
  if (!Array.isArray(signatures) || signatures.length === 0) throw new StellaError('SIGNATURE_INVALID', `${where}.signatures is missing or empty`);
  const parsed = signatures.map((s: unknown, i): DsseSignature => {
    if (!isRecord(s) || typeof s['sig'] !== 'string' || s['sig'] === '') {
      throw new StellaError('SIGNATURE_INVALID', `${where}.signatures[${i}].sig is missing or not a non-empty string`);
    }
    const keyid = s['keyid'] ?? '';
    if (typeof keyid !== 'string') throw new StellaError('SIGNATURE_INVALID', `${where}.signatures[${i}].keyid is not a string`);
    return { keyid, sig: s['sig'] };
  });
  return { payload, payloadType, signatures: parsed };
}
