import { CompactSign, FlattenedSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { p1363ToDer } from './ecdsa-der.js';
import { base64UrlDecode, base64UrlEncode } from './encoding.js';
import { signDetachedJws, verifyDetachedJws } from './jws.js';
import { generateKeyPair, signingKeyFromPair } from './keys.js';
import { opensslVerifies } from './openssl.test-helper.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('detached JWS (RFC 7797, b64: false)', async () => {
  const signer = await signingKeyFromPair(await generateKeyPair());
  const other = await signingKeyFromPair(await generateKeyPair());
  const keys = new Map([[signer.keyId, signer.publicKeyPem]]);
  // Bytes that base64url would change, and a '.' that an attached unencoded payload could not carry safely.
  const manifest = utf8('{"files":{"a.json":"sha256:00"}}\n.\u00e9');

  it('produces header..signature with the RFC 7797 header and our key id', async () => {
    const jws = await signDetachedJws(manifest, signer);
    const [header, payload, signature] = jws.split('.');
    expect(payload).toBe('');
    expect(JSON.parse(new TextDecoder().decode(base64UrlDecode(header!, 'h')))).toEqual({ alg: 'ES256', b64: false, crit: ['b64'], kid: signer.keyId });
    expect(base64UrlDecode(signature!, 's')).toHaveLength(64);
  });

  it('round-trips and reports the kid', async () => {
    const jws = await signDetachedJws(manifest, signer);
    expect(await verifyDetachedJws(jws, manifest, keys)).toEqual({ kid: signer.keyId });
    expect(await verifyDetachedJws(jws, manifest, async (kid) => (kid === signer.keyId ? signer.publicKeyPem : undefined))).toEqual({ kid: signer.keyId });
  });

  it('OpenSSL verifies the signature over ASCII(BASE64URL(header)) || "." || payload (independent oracle)', async () => {
    const jws = await signDetachedJws(manifest, signer);
    const [header, , signature] = jws.split('.') as [string, string, string];
    const der = p1363ToDer(base64UrlDecode(signature, 'sig'));
    const signingInput = concat(utf8(`${header}.`), manifest);
    const ok = await opensslVerifies(signer.publicKeyPem, signingInput, der);
    expect(ok.stdout.trim()).toBe('Verified OK');
    // The oracle can say no: over the base64url-encoded payload (b64: true form) the signature is wrong.
    const encodedInput = utf8(`${header}.${base64UrlEncode(manifest)}`);
    expect((await opensslVerifies(signer.publicKeyPem, encodedInput, der)).stdout.trim()).toBe('Verification failure');
  });

  const failing = async (jws: string, payload: Uint8Array, message: RegExp, lookup: Map<string, string> = keys): Promise<void> => {
    await expect(verifyDetachedJws(jws, payload, lookup)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringMatching(message) });
  };

  it('fails on a tampered payload byte', async () => {
    const jws = await signDetachedJws(manifest, signer);
    const changed = manifest.slice();
    changed[3]! ^= 0x01;
    await failing(jws, changed, /^detached JWS: signature does not verify with the key for kid "[0-9a-f]{64}"; the payload or the JWS was altered/);
    await failing(jws, concat(manifest, utf8(' ')), /signature does not verify/);
  });

  it('fails on a tampered signature byte', async () => {
    const jws = await signDetachedJws(manifest, signer);
    const [header, , signature] = jws.split('.') as [string, string, string];
    const sig = base64UrlDecode(signature, 's');
    sig[40]! ^= 0x01;
    await failing(`${header}..${base64UrlEncode(sig)}`, manifest, /signature does not verify/);
  });

  it('fails on an unknown kid', async () => {
    await failing(await signDetachedJws(manifest, other), manifest, new RegExp(`no trusted public key has kid "${other.keyId}"`));
  });

  it('fails when another key signs but claims our kid', async () => {
    const forged = await new FlattenedSign(manifest).setProtectedHeader({ alg: 'ES256', b64: false, crit: ['b64'], kid: signer.keyId }).sign(other.privateKey);
    await failing(`${forged.protected!}..${forged.signature}`, manifest, /signature does not verify/);
  });

  it('fails when the kid in the header is changed (the header is signed)', async () => {
    const jws = await signDetachedJws(manifest, signer);
    const [header, , signature] = jws.split('.') as [string, string, string];
    const h = JSON.parse(new TextDecoder().decode(base64UrlDecode(header, 'h'))) as Record<string, unknown>;
    h['kid'] = other.keyId;
    const both = new Map([...keys, [other.keyId, other.publicKeyPem]]);
    await failing(`${base64UrlEncode(utf8(JSON.stringify(h)))}..${signature}`, manifest, /signature does not verify with the key for kid/, both);
  });

  it('refuses an attached payload, a b64:true JWS, other algorithms, and malformed input', async () => {
    const jws = await signDetachedJws(manifest, signer);
    const [header, , signature] = jws.split('.') as [string, string, string];
    await failing(`${header}.${base64UrlEncode(manifest)}.${signature}`, manifest, /payload section is not empty; expected a detached JWS/);
    const ordinary = await new CompactSign(manifest).setProtectedHeader({ alg: 'ES256', kid: signer.keyId }).sign(signer.privateKey);
    const [oh, , os] = ordinary.split('.') as [string, string, string];
    await failing(`${oh}..${os}`, manifest, /must carry b64: false and crit: \["b64"\]/);
    const hs = base64UrlEncode(utf8(JSON.stringify({ alg: 'HS256', b64: false, crit: ['b64'], kid: signer.keyId })));
    await failing(`${hs}..${signature}`, manifest, /alg is "HS256"; only ES256 is accepted/);
    const noKid = base64UrlEncode(utf8(JSON.stringify({ alg: 'ES256', b64: false, crit: ['b64'] })));
    await failing(`${noKid}..${signature}`, manifest, /header has no kid/);
    await failing('a.b', manifest, /expected 3 dot-separated parts, found 2/);
    await failing(`${header}=..${signature}`, manifest, /JWS protected header is not canonical unpadded base64url/);
    await failing(`${base64UrlEncode(utf8('not json'))}..${signature}`, manifest, /protected header is not JSON/);
  });
});
