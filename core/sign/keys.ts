/**
 * ECDSA P-256 keys through Web Crypto: generate, PEM export/import, and a
 * stable key id.
 *
 * Key id: lowercase hex SHA-256 of the key's SPKI DER, where the DER is the
 * one Web Crypto exports after importing the PEM (uncompressed point, no
 * optional parameters). So the same key always has the same id, however the
 * PEM was wrapped or encoded. It equals
 * `openssl pkey -pubin -in pub.pem -outform DER | sha256sum`, and is the hex
 * form of the base64 hint the Sigstore conformance suite uses.
 */
import { StellaError } from '../errors.js';
import { bufferSource, sha256Hex } from './encoding.js';
import { derToPem, pemToDer } from './pem.js';

/** The one algorithm Stella Mesh signs with. */
export const ECDSA_P256: Readonly<EcKeyImportParams> = Object.freeze({ name: 'ECDSA', namedCurve: 'P-256' });

/** A private key with everything a signer needs to label what it signs. */
export interface SigningKey {
  readonly privateKey: CryptoKey;
  /** SPKI PEM of the matching public key, to hand to verifiers. */
  readonly publicKeyPem: string;
  /** {@link keyId} of `publicKeyPem`. */
  readonly keyId: string;
}

/**
 * A fresh extractable P-256 key pair.
 * @example const { privateKey, publicKey } = await generateKeyPair();
 */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
}

/**
 * PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) of an extractable private key.
 * @example await exportPrivateKeyPem(pair.privateKey)
 */
export async function exportPrivateKeyPem(privateKey: CryptoKey): Promise<string> {
  return derToPem(new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey)), 'PRIVATE KEY');
}

/**
 * SPKI PEM (`-----BEGIN PUBLIC KEY-----`) of a public key.
 * @example await exportPublicKeyPem(pair.publicKey)
 */
export async function exportPublicKeyPem(publicKey: CryptoKey): Promise<string> {
  return derToPem(new Uint8Array(await crypto.subtle.exportKey('spki', publicKey)), 'PUBLIC KEY');
}

/**
 * Imports a PKCS#8 PEM P-256 private key for signing. It stays extractable
 * because the public half can only be derived through a JWK export.
 * Throws KEY_NOT_FOUND when the PEM holds no usable P-256 private key.
 * @example const key = await importPrivateKeyPem(await readFile('signing.pem', 'utf8'));
 */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const der = pemToDer(pem, 'PRIVATE KEY');
  try {
    return await crypto.subtle.importKey('pkcs8', bufferSource(der), ECDSA_P256, true, ['sign']);
  } catch (cause) {
    throw new StellaError('KEY_NOT_FOUND', 'the PRIVATE KEY PEM is not an ECDSA P-256 key; generate one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`', { cause });
  }
}

/**
 * Imports an SPKI PEM P-256 public key for verifying. Throws KEY_NOT_FOUND
 * when the PEM holds no usable P-256 public key (wrong curve, point not on
 * the curve, damaged base64).
 * @example const key = await importPublicKeyPem(spkiPem);
 */
export function importPublicKeyPem(pem: string): Promise<CryptoKey> {
  return remembered(importedKeys, pem, async () => {
    const der = pemToDer(pem, 'PUBLIC KEY');
    try {
      return await crypto.subtle.importKey('spki', bufferSource(der), ECDSA_P256, true, ['verify']);
    } catch (cause) {
      throw new StellaError('KEY_NOT_FOUND', 'the PUBLIC KEY PEM is not a valid ECDSA P-256 key (wrong curve or damaged key bytes)', { cause });
    }
  });
}

/**
 * Public keys and key ids already worked out, by PEM: a verifier checks the
 * same few enrolled keys over and over (every report, every root version),
 * and a key's import or id never changes. Bounded; a failure is not kept.
 */
const importedKeys = new Map<string, Promise<CryptoKey>>();
const keyIds = new Map<string, Promise<string>>();
const REMEMBERED_KEYS = 512;

function remembered<T>(memo: Map<string, Promise<T>>, pem: string, make: () => Promise<T>): Promise<T> {
  const known = memo.get(pem);
  if (known !== undefined) return known;
  if (memo.size >= REMEMBERED_KEYS) memo.clear();
  const made = make();
  memo.set(pem, made);
  made.catch(() => memo.delete(pem));
  return made;
}

/**
 * Stable key id of a public key: lowercase hex SHA-256 of its canonical SPKI
 * DER (see the module comment). Throws KEY_NOT_FOUND for an unusable PEM.
 * @example await keyId(spkiPem) // '4cb32c4837c6dda8…'
 */
export function keyId(spkiPem: string): Promise<string> {
  return remembered(keyIds, spkiPem, async () => {
    const key = await importPublicKeyPem(spkiPem);
    return sha256Hex(new Uint8Array(await crypto.subtle.exportKey('spki', key)));
  });
}

/**
 * Turns a PKCS#8 PEM private key into a {@link SigningKey}, deriving the
 * public key (x, y of the JWK) and its key id.
 * @example const signer = await signingKeyFromPem(pkcs8Pem); signer.keyId
 */
export async function signingKeyFromPem(pkcs8Pem: string): Promise<SigningKey> {
  const privateKey = await importPrivateKeyPem(pkcs8Pem);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', privateKey);
  const publicKey = await crypto.subtle.importKey('jwk', { kty, crv, x, y, ext: true }, ECDSA_P256, true, ['verify']);
  const publicKeyPem = await exportPublicKeyPem(publicKey);
  return { privateKey, publicKeyPem, keyId: await keyId(publicKeyPem) };
}

/**
 * A {@link SigningKey} from a key pair, e.g. one from {@link generateKeyPair}.
 * @example const signer = await signingKeyFromPair(await generateKeyPair());
 */
export async function signingKeyFromPair(pair: CryptoKeyPair): Promise<SigningKey> {
  const publicKeyPem = await exportPublicKeyPem(pair.publicKey);
  return { privateKey: pair.privateKey, publicKeyPem, keyId: await keyId(publicKeyPem) };
}
