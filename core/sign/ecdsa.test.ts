/**
 * Low-S canonical ECDSA: everything we sign has low S, and the high-S twin
 * of a valid signature — which raw Web Crypto and OpenSSL accept — is
 * refused everywhere we verify (DSSE bundles, detached JWS, trust roots).
 */
import { describe, expect, it } from 'vitest';
import { bundleToJson, createBundle, verifyBundle } from './bundle.js';
import { derToP1363, p1363ToDer } from './ecdsa-der.js';
import { isLowS, signP256, toLowS, verifyP256 } from './ecdsa.js';
import { base64Decode, base64Encode, base64UrlDecode, base64UrlEncode, sha256Hex } from './encoding.js';
import { buildStatement } from './intoto.js';
import { signDetachedJws, verifyDetachedJws } from './jws.js';
import { generateKeyPair, signingKeyFromPair } from './keys.js';
import { opensslVerifies } from './openssl.test-helper.js';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** (r, s) → (r, n − s): the re-encoding an attacker can make without the key. */
function flipS(p1363: Uint8Array): Uint8Array<ArrayBuffer> {
  const s = BigInt(`0x${hex(p1363.subarray(32))}`);
  const out = new Uint8Array(p1363);
  out.set(Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'), 32);
  return out;
}

describe('low-S ECDSA P-256', async () => {
  const pair = await generateKeyPair();
  const key = await signingKeyFromPair(pair);
  const message = utf8('stella low-s');

  it('signs with low S every time (200 signatures)', async () => {
    for (let i = 0; i < 200; i++) expect(isLowS(await signP256(pair.privateKey, message))).toBe(true);
  });

  it('folds a high S down to n − s and leaves a low S alone', async () => {
    const low = await signP256(pair.privateKey, message);
    const high = flipS(low);
    expect(isLowS(high)).toBe(false);
    expect(hex(toLowS(high))).toBe(hex(low));
    expect(hex(toLowS(low))).toBe(hex(low));
  });

  it('refuses the high-S twin that raw Web Crypto and OpenSSL accept', async () => {
    const high = flipS(await signP256(pair.privateKey, message));
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pair.publicKey, high, new Uint8Array(message))).toBe(true);
    expect((await opensslVerifies(key.publicKeyPem, message, p1363ToDer(high))).code).toBe(0);
    await expect(verifyP256(pair.publicKey, high, message)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringMatching(/high S/) });
  });

  it('refuses a DSSE bundle whose signature was re-encoded with high S', async () => {
    const artifact = { name: 'report.json', sha256: await sha256Hex(message) };
    const statement = buildStatement({ subjects: [artifact], predicateType: 'https://stella-mesh.dev/scan/v1', predicate: {} });
    const bundle = await createBundle(statement, key);
    const options = { publicKeys: new Map([[key.keyId, key.publicKeyPem]]), artifact };
    await expect(verifyBundle(bundleToJson(bundle), options)).resolves.toBeDefined();
    const sig = bundle.dsseEnvelope.signatures[0]!;
    sig.sig = base64Encode(p1363ToDer(flipS(derToP1363(base64Decode(sig.sig, 'sig')))));
    await expect(verifyBundle(bundleToJson(bundle), options)).rejects.toThrow(/high S/);
  });

  it('refuses a detached JWS whose signature was re-encoded with high S', async () => {
    const jws = await signDetachedJws(message, key);
    const [header, , signature] = jws.split('.') as [string, string, string];
    expect(isLowS(base64UrlDecode(signature, 'sig'))).toBe(true);
    const forged = `${header}..${base64UrlEncode(flipS(base64UrlDecode(signature, 'sig')))}`;
    await expect(verifyDetachedJws(forged, message, new Map([[key.keyId, key.publicKeyPem]]))).rejects.toThrow(/low-S/);
  });
});
