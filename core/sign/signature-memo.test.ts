import { describe, expect, it } from 'vitest';
import { createBundle, verifyBundle, type SigstoreBundle } from './bundle.js';
import { base64Decode, base64Encode } from './encoding.js';
import { buildStatement } from './intoto.js';
import { generateKeyPair, signingKeyFromPair } from './keys.js';
import { SignatureMemo } from './signature-memo.js';

const statement = (n: number): Uint8Array => buildStatement({ subjects: [{ name: 'report.json', sha256: '0'.repeat(64) }], predicateType: 'https://stella-mesh.dev/scan/v1', predicate: { n } });

describe('SignatureMemo', () => {
  it('answers a second check of the same bundle under the same key from memory', async () => {
    const key = await signingKeyFromPair(await generateKeyPair());
    const bundle = await createBundle(statement(1), key);
    const memo = new SignatureMemo();
    const publicKeys = new Map([[key.keyId, key.publicKeyPem]]);
    await verifyBundle(bundle, { publicKeys, memo });
    expect(memo.hits).toBe(0);
    const again = await verifyBundle(structuredClone(bundle), { publicKeys, memo });
    expect(memo.hits).toBe(1);
    expect(again.predicate).toEqual({ n: 1 });
  });

  it('is as strict as verifying: another key under the same hint, a key the trust no longer names, or altered bytes still fail', async () => {
    const key = await signingKeyFromPair(await generateKeyPair());
    const other = await signingKeyFromPair(await generateKeyPair());
    const bundle = await createBundle(statement(2), key);
    const memo = new SignatureMemo();
    await verifyBundle(bundle, { publicKeys: new Map([[key.keyId, key.publicKeyPem]]), memo });
    // The trust changed what the hint means: same bytes, another key → verified again, and refused.
    await expect(verifyBundle(bundle, { publicKeys: new Map([[key.keyId, other.publicKeyPem]]), memo })).rejects.toMatchObject({ data: { check: 'signature' } });
    // The trust no longer names the key: refused before the memo is asked.
    await expect(verifyBundle(bundle, { publicKeys: new Map(), memo })).rejects.toMatchObject({ data: { check: 'key' } });
    // One signature byte changed: another entry, and the ECDSA check refuses it.
    const altered: SigstoreBundle = structuredClone(bundle);
    const envelope = altered.dsseEnvelope;
    const sig = base64Decode(envelope.signatures[0]!.sig, 'sig');
    sig[sig.length - 1] = (sig[sig.length - 1] as number) ^ 1;
    envelope.signatures[0]!.sig = base64Encode(sig);
    await expect(verifyBundle(altered, { publicKeys: new Map([[key.keyId, key.publicKeyPem]]), memo })).rejects.toMatchObject({ data: { check: 'signature' } });
    expect(memo.hits).toBe(0);
  });

  it('keeps at most its capacity, forgetting the oldest first', async () => {
    const memo = new SignatureMemo(2);
    const keys = await Promise.all([1, 2, 3].map((n) => memo.key('pem', 'type', new Uint8Array([n]), new Uint8Array([n]))));
    for (const key of keys) memo.add(key);
    expect(keys.map((key) => memo.has(key))).toEqual([false, true, true]);
    // Inputs never run together: a byte moved from payload to signature is another entry.
    expect(await memo.key('pem', 'type', new Uint8Array([1, 2]), new Uint8Array([3]))).not.toBe(await memo.key('pem', 'type', new Uint8Array([1]), new Uint8Array([2, 3])));
  });
});
