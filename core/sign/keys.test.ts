import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/helpers/paths.js';
import { exportPrivateKeyPem, exportPublicKeyPem, generateKeyPair, importPrivateKeyPem, importPublicKeyPem, keyId, signingKeyFromPair, signingKeyFromPem } from './keys.js';
import { openssl, withFiles } from './openssl.test-helper.js';
import { derToPem, pemToDer } from './pem.js';

const conformance = join(sharedData, 'formats', 'sigstore-conformance', 'bundle-verify');

describe('P-256 keys', () => {
  it('exports PEM that OpenSSL reads as the same key, and imports it back', async () => {
    const pair = await generateKeyPair();
    const privatePem = await exportPrivateKeyPem(pair.privateKey);
    const publicPem = await exportPublicKeyPem(pair.publicKey);
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n(.{64}\n)*.{1,64}\n-----END PRIVATE KEY-----\n$/);
    const derived = await withFiles({ 'key.pem': privatePem }, (dir) => openssl(['pkey', '-in', 'key.pem', '-pubout'], dir));
    expect(derived.code).toBe(0);
    expect(derived.stdout).toBe(publicPem);
    const text = await withFiles({ 'key.pem': privatePem }, (dir) => openssl(['pkey', '-in', 'key.pem', '-noout', '-text'], dir));
    expect(text.stdout).toMatch(/ASN1 OID: prime256v1/);

    const privateKey = await importPrivateKeyPem(privatePem);
    const publicKey = await importPublicKeyPem(publicPem);
    const data = new TextEncoder().encode('round trip');
    const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, data);
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, sig, data)).toBe(true);
  });

  it('imports PEM written by OpenSSL (with CRLF line ends)', async () => {
    const made = await withFiles({}, async (dir) => {
      await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'k.pem'], dir);
      const pub = await openssl(['pkey', '-in', 'k.pem', '-pubout'], dir);
      return { priv: await readFile(join(dir, 'k.pem'), 'utf8'), pub: pub.stdout };
    });
    const signer = await signingKeyFromPem(made.priv.replace(/\n/g, '\r\n'));
    expect(signer.publicKeyPem).toBe(made.pub);
    expect(signer.keyId).toBe(await keyId(made.pub));
  });

  it('keyId is the hex SHA-256 of the SPKI DER (oracle: openssl + node hash), stable across PEM wrapping', async () => {
    const signer = await signingKeyFromPair(await generateKeyPair());
    const der = await withFiles({ 'pub.pem': signer.publicKeyPem }, (dir) => openssl(['pkey', '-pubin', '-in', 'pub.pem', '-outform', 'DER'], dir));
    expect(signer.keyId).toBe(createHash('sha256').update(Buffer.from(der.stdout, 'latin1')).digest('hex'));
    expect(signer.keyId).toMatch(/^[0-9a-f]{64}$/);
    const oneLine = signer.publicKeyPem.replace(/\n(?!-----END)/g, '').replace('-----END', '\n-----END');
    expect(await keyId(`comment before\n${oneLine}`)).toBe(signer.keyId);
  });

  it('keyId of the conformance key equals its published base64 hint', async () => {
    const pem = await readFile(join(conformance, 'managed-key-happy-path', 'key.pub'), 'utf8');
    const bundle = JSON.parse(await readFile(join(conformance, 'managed-key-happy-path', 'bundle.sigstore.json'), 'utf8')) as {
      verificationMaterial: { publicKey: { hint: string } };
    };
    expect(Buffer.from(await keyId(pem), 'hex').toString('base64')).toBe(bundle.verificationMaterial.publicKey.hint);
  });

  it('refuses keys it cannot use, with KEY_NOT_FOUND and a hint what to do', async () => {
    const wrong = await readFile(join(conformance, 'managed-key-wrong-key_fail', 'key.pub'), 'utf8');
    // Its base64 ends in "wrongkey==", whose unused bits are not zero.
    await expect(importPublicKeyPem(wrong)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND', message: expect.stringMatching(/PUBLIC KEY" PEM block is not canonical/) });
    const good = pemToDer(await readFile(join(conformance, 'managed-key-happy-path', 'key.pub'), 'utf8'), 'PUBLIC KEY');
    const offCurve = good.slice();
    offCurve[offCurve.length - 1]! ^= 1; // y no longer matches x
    await expect(importPublicKeyPem(derToPem(offCurve, 'PUBLIC KEY'))).rejects.toMatchObject({ code: 'KEY_NOT_FOUND', message: expect.stringMatching(/not a valid ECDSA P-256 key/) });
    await expect(importPublicKeyPem('no pem here')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND', message: 'no "PUBLIC KEY" PEM block in the key text' });
    const sec1 = await withFiles({}, async (dir) => (await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], dir)).stdout);
    await expect(importPrivateKeyPem(sec1)).rejects.toThrow(/openssl pkcs8 -topk8 -nocrypt/);
    const p384 = await withFiles({}, async (dir) => (await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], dir)).stdout);
    await expect(importPrivateKeyPem(p384)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    const pair = await generateKeyPair();
    await expect(importPublicKeyPem(await exportPrivateKeyPem(pair.privateKey))).rejects.toThrow(/found a "PRIVATE KEY" block instead/);
    expect(() => pemToDer('-----BEGIN PUBLIC KEY-----\nMFk!\n-----END PUBLIC KEY-----', 'PUBLIC KEY')).toThrow(/not canonical standard base64/);
  });
});
