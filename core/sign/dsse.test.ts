import { describe, expect, it } from 'vitest';
import { INTOTO_PAYLOAD_TYPE, parseEnvelope, preAuthEncoding, signEnvelope, verifyEnvelope, verifyPae } from './dsse.js';
import { base64Decode, base64Encode } from './encoding.js';
import { generateKeyPair, importPublicKeyPem, signingKeyFromPair } from './keys.js';
import { opensslVerifies } from './openssl.test-helper.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('DSSE pre-authentication encoding', () => {
  it('matches the DSSE spec example', () => {
    expect(text(preAuthEncoding('http://example.com/HelloWorld', utf8('hello world')))).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('counts bytes, not characters, and keeps binary payloads intact', () => {
    const payload = new Uint8Array([0, 0xff, 0x20, 0x0a]);
    const pae = preAuthEncoding('tÿpe', payload);
    expect(Array.from(pae)).toEqual([...utf8('DSSEv1 5 tÿpe 4 '), 0, 0xff, 0x20, 0x0a]);
    expect(text(preAuthEncoding('', new Uint8Array()))).toBe('DSSEv1 0  0 ');
  });
});

describe('DSSE sign and verify', async () => {
  const signer = await signingKeyFromPair(await generateKeyPair());
  const publicKey = await importPublicKeyPem(signer.publicKeyPem);
  const payload = utf8('{"hello":"world"}');

  it('signs with a DER signature that OpenSSL verifies over the PAE (independent oracle)', async () => {
    const envelope = await signEnvelope(payload, INTOTO_PAYLOAD_TYPE, signer);
    expect(envelope.signatures).toHaveLength(1);
    expect(envelope.signatures[0]!.keyid).toBe(signer.keyId);
    const der = base64Decode(envelope.signatures[0]!.sig, 'sig');
    expect(der[0]).toBe(0x30);
    const pae = preAuthEncoding(INTOTO_PAYLOAD_TYPE, payload);
    const ok = await opensslVerifies(signer.publicKeyPem, pae, der);
    expect(ok.stdout.trim()).toBe('Verified OK');
    // The oracle can say no: the same signature over the raw payload (no PAE) is rejected.
    const bad = await opensslVerifies(signer.publicKeyPem, payload, der);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout.trim()).toBe('Verification failure');
  });

  it('verifies and returns the payload bytes', async () => {
    const envelope = await signEnvelope(payload, INTOTO_PAYLOAD_TYPE, signer);
    expect(await verifyEnvelope(envelope, publicKey)).toEqual(payload);
  });

  it('fails on a changed payload byte, payload type, signature byte, or another key', async () => {
    const envelope = await signEnvelope(payload, INTOTO_PAYLOAD_TYPE, signer);
    const changedPayload = payload.slice();
    changedPayload[2]! ^= 0x01;
    const der = base64Decode(envelope.signatures[0]!.sig, 'sig');
    const changedSig = der.slice();
    changedSig[der.length - 1]! ^= 0x01; // last byte of s: still valid DER, wrong value
    const other = await signingKeyFromPair(await generateKeyPair());
    const cases = [
      { ...envelope, payload: base64Encode(changedPayload) },
      { ...envelope, payloadType: 'application/json' },
      { ...envelope, signatures: [{ keyid: signer.keyId, sig: base64Encode(changedSig) }] },
      await signEnvelope(payload, INTOTO_PAYLOAD_TYPE, other),
    ];
    for (const tampered of cases) {
      await expect(verifyEnvelope(tampered, publicKey)).rejects.toMatchObject({
        code: 'SIGNATURE_INVALID',
        message: 'DSSE signature does not verify with the given public key over the payload and payload type',
      });
    }
  });

  it('does not trust keyid: a signature under the right key verifies whatever keyid says', async () => {
    const envelope = await signEnvelope(payload, INTOTO_PAYLOAD_TYPE, signer);
    const relabelled = { ...envelope, signatures: [{ keyid: 'someone-else', sig: envelope.signatures[0]!.sig }] };
    expect(await verifyEnvelope(relabelled, publicKey)).toEqual(payload);
  });

  it('rejects a signature that is not DER (e.g. raw r||s) with a clear reason', async () => {
    const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer.privateKey, preAuthEncoding('t', payload)));
    await expect(verifyPae(publicKey, 't', payload, raw)).rejects.toThrow(/signature is not a DER ECDSA signature/);
    const envelope = { payload: base64Encode(payload), payloadType: 't', signatures: [{ keyid: '', sig: base64Encode(raw) }] };
    await expect(verifyEnvelope(envelope, publicKey)).rejects.toThrow(/signature is not a DER ECDSA signature/);
  });

  it('accepts an envelope where another signer left a malformed signature before ours', async () => {
    const envelope = await signEnvelope(payload, INTOTO_PAYLOAD_TYPE, signer);
    const both = { ...envelope, signatures: [{ keyid: 'x', sig: 'not base64!' }, ...envelope.signatures] };
    expect(await verifyEnvelope(both, publicKey)).toEqual(payload);
  });
});

describe('parseEnvelope', () => {
  it('accepts the JSON shape and defaults a missing keyid to ""', () => {
    expect(parseEnvelope({ payload: 'YQ==', payloadType: 't', signatures: [{ sig: 'MAA=' }] })).toEqual({ payload: 'YQ==', payloadType: 't', signatures: [{ keyid: '', sig: 'MAA=' }] });
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['a non-object', [], /DSSE envelope is not a JSON object/],
    ['a missing payload', { payloadType: 't', signatures: [{ sig: 'x' }] }, /DSSE envelope\.payload is missing/],
    ['a numeric payloadType', { payload: 'YQ==', payloadType: 1, signatures: [{ sig: 'x' }] }, /payloadType is missing or not a non-empty string/],
    ['no signatures', { payload: 'YQ==', payloadType: 't', signatures: [] }, /signatures is missing or empty/],
    ['an empty sig', { payload: 'YQ==', payloadType: 't', signatures: [{ sig: '' }] }, /signatures\[0\]\.sig is missing/],
    ['a numeric keyid', { payload: 'YQ==', payloadType: 't', signatures: [{ sig: 'x', keyid: 7 }] }, /signatures\[0\]\.keyid is not a string/],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => parseEnvelope(value)).toThrow(message);
    });
  }
});
