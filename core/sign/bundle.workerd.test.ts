/**
 * core/sign inside workerd, as the edge uses it to check what agents send:
 * keys made and exported with Workers' Web Crypto, a Sigstore bundle signed
 * and verified, and every tampering refused, with workerd's Web Crypto (not
 * Node's). What needs the host (a file, a native addon) fails here; Buffer
 * would not (nodejs_compat provides it): core/tsconfig.json keeps it out.
 */
import { describe, expect, it } from 'vitest';
import { createBundle, verifyBundle } from './bundle.js';
import { buildStatement } from './intoto.js';
import { signDetachedJws, verifyDetachedJws } from './jws.js';
import { generateKeyPair, importPublicKeyPem, keyId, signingKeyFromPair } from './keys.js';

const sha256 = 'b'.repeat(64);

describe('core/sign in workerd', () => {
  it('signs a bundle and verifies it with the signer key only', async () => {
    const key = await signingKeyFromPair(await generateKeyPair());
    const other = await signingKeyFromPair(await generateKeyPair());
    expect(await keyId(key.publicKeyPem)).toBe(key.keyId);
    expect((await importPublicKeyPem(key.publicKeyPem)).type).toBe('public');
    const statement = buildStatement({ subjects: [{ name: 'report.json', sha256 }], predicateType: 'https://stella-mesh.dev/report/v1', predicate: { node: 'edge-1' } });
    const bundle = await createBundle(statement, key);
    const verified = await verifyBundle(JSON.parse(JSON.stringify(bundle)), { publicKeys: new Map([[key.keyId, key.publicKeyPem]]), artifact: { name: 'report.json', sha256 } });
    expect(verified.predicate).toEqual({ node: 'edge-1' });
    await expect(verifyBundle(bundle, { publicKeys: new Map([[key.keyId, other.publicKeyPem]]) })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', data: { check: 'signature' } });
    await expect(verifyBundle(bundle, { publicKeys: new Map() })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', data: { check: 'key' } });
    await expect(verifyBundle(bundle, { publicKeys: new Map([[key.keyId, key.publicKeyPem]]), artifact: { sha256: 'c'.repeat(64) } })).rejects.toMatchObject({ data: { check: 'artifact' } });
  });

  it('refuses a bundle whose statement was swapped after signing', async () => {
    const key = await signingKeyFromPair(await generateKeyPair());
    const bundle = await createBundle(buildStatement({ subjects: [{ name: 'report.json', sha256 }], predicateType: 'https://stella-mesh.dev/report/v1', predicate: {} }), key);
    const swapped = buildStatement({ subjects: [{ name: 'report.json', sha256: 'd'.repeat(64) }], predicateType: 'https://stella-mesh.dev/report/v1', predicate: {} });
    const forged = { ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, payload: btoa(String.fromCharCode(...swapped)) } };
    await expect(verifyBundle(forged, { publicKeys: new Map([[key.keyId, key.publicKeyPem]]) })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', data: { check: 'signature' } });
  });

  it('signs and verifies a detached JWS over bytes, and refuses other bytes', async () => {
    const key = await signingKeyFromPair(await generateKeyPair());
    const payload = new TextEncoder().encode('{"manifest":1}');
    const jws = await signDetachedJws(payload, key);
    expect(await verifyDetachedJws(jws, payload, new Map([[key.keyId, key.publicKeyPem]]))).toEqual({ kid: key.keyId });
    await expect(verifyDetachedJws(jws, new TextEncoder().encode('{"manifest":2}'), new Map([[key.keyId, key.publicKeyPem]]))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });
});
