/**
 * Real, third-party bundles: the Sigstore conformance suite (cases with a
 * key.pub, and the DSSE cases) and a cosign-made bundle from trivy's tests.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/helpers/paths.js';
import { BUNDLE_V03_MEDIA_TYPE, verifyBundle } from './bundle.js';
import { derToP1363 } from './ecdsa-der.js';
import { base64Decode } from './encoding.js';
import { importPublicKeyPem } from './keys.js';

const conformance = join(sharedData, 'formats', 'sigstore-conformance', 'bundle-verify');
const trivyBundle = join(sharedData, 'formats', 'dsse-intoto', 'trivy', 'pkg', 'fanal', 'artifact', 'image', 'testdata', 'sigstore-bundle.json');
const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

describe('Sigstore conformance cases that use a key.pub', async () => {
  // All three are hashedrekord *message-signature* bundles with a Rekor entry:
  // out of scope for verifyBundle, which verifies key-signed DSSE bundles only.
  // Each is refused as such; then the part we can judge offline — the ECDSA
  // signature over the artifact under key.pub — is checked with our own
  // primitives (strict DER, Web Crypto), and must match the expected outcome.
  const cases = (await readdir(conformance, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((name) => name.startsWith('managed-key-') && name !== 'managed-key-no-key_fail');
  const defaultArtifact = await readFile(join(conformance, 'a.txt'));

  it('finds exactly the three cases', () => {
    expect(cases.sort()).toEqual(['managed-key-and-trusted-root', 'managed-key-happy-path', 'managed-key-wrong-key_fail']);
  });

  for (const name of ['managed-key-and-trusted-root', 'managed-key-happy-path', 'managed-key-wrong-key_fail']) {
    it(`${name}: refused as out of scope; signature check gives the expected ${name.endsWith('_fail') ? 'failure' : 'pass'}`, async () => {
      const dir = join(conformance, name);
      const text = await readFile(join(dir, 'bundle.sigstore.json'), 'utf8');
      const pem = await readFile(join(dir, 'key.pub'), 'utf8');
      await expect(verifyBundle(text, { publicKeys: () => pem })).rejects.toMatchObject({ data: { check: 'content' }, message: expect.stringMatching(/messageSignature; only DSSE/) });

      const bundle = JSON.parse(text) as { messageSignature: { messageDigest: { digest: string }; signature: string } };
      expect(Buffer.from(bundle.messageSignature.messageDigest.digest, 'base64').toString('hex')).toBe(sha256(defaultArtifact));
      const passes = await importPublicKeyPem(pem).then(
        async (key) => crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, derToP1363(base64Decode(bundle.messageSignature.signature, 'sig')), new Uint8Array(defaultArtifact)),
        () => false,
      );
      expect(passes).toBe(!name.endsWith('_fail'));
    });
  }
});

describe('real third-party DSSE bundles, verified under the certificate key', async () => {
  // Keyless (certificate) bundles are out of scope for verifyBundle: it has no
  // Fulcio chain, SCT or transparency-log checks. But their DSSE part — PAE,
  // DER signature, in-toto v1 statement, subject digest — is exactly ours. So
  // each bundle is first refused as keyless, then rewritten into key form with
  // the certificate's public key and must pass or fail on its DSSE signature
  // alone: only the *invalid-sig* cases have a bad envelope signature (the
  // other _fail cases fail on log, certificate or timestamp checks).
  const dsseCases: string[] = [];
  for (const name of (await readdir(conformance)).sort()) {
    const text = await readFile(join(conformance, name, 'bundle.sigstore.json'), 'utf8').catch(() => '');
    if (text.includes('"dsseEnvelope"')) dsseCases.push(name);
  }

  it('finds the DSSE cases', () => {
    expect(dsseCases.length).toBeGreaterThanOrEqual(14);
  });

  async function toKeyForm(text: string): Promise<{ original: Record<string, unknown>; keyForm: Record<string, unknown>; pem: string }> {
    const original = JSON.parse(text) as Record<string, unknown>;
    const material = original['verificationMaterial'] as { certificate?: { rawBytes: string }; x509CertificateChain?: { certificates: Array<{ rawBytes: string }> } };
    const raw = material.certificate?.rawBytes ?? material.x509CertificateChain?.certificates[0]?.rawBytes;
    if (raw === undefined) throw new Error('test: no certificate');
    const pem = new X509Certificate(Buffer.from(raw, 'base64')).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const keyForm = { mediaType: BUNDLE_V03_MEDIA_TYPE, verificationMaterial: { publicKey: { hint: 'cert-key' }, tlogEntries: [] }, dsseEnvelope: original['dsseEnvelope'] };
    return { original, keyForm, pem };
  }

  for (const name of ['dsse-invalid-sig_fail', 'dsse-mismatch-envelope_fail', 'dsse-mismatch-sig_fail', 'happy-path-intoto-in-dsse-v3', 'intoto-with-custom-trust-root', 'rekor2-dsse-happy-path', 'rekor2-dsse-invalid-sig_fail', 'rekor2-dsse-mismatch-sig_fail']) {
    const signatureBad = name.endsWith('invalid-sig_fail');
    it(`${name}: refused as keyless; in key form the DSSE signature ${signatureBad ? 'fails' : 'verifies'}`, async () => {
      expect(dsseCases).toContain(name);
      const dir = join(conformance, name);
      const text = await readFile(join(dir, 'bundle.sigstore.json'), 'utf8');
      const artifactFile = await readFile(join(dir, 'artifact')).catch(() => readFile(join(conformance, 'a.txt')));
      const { original, keyForm, pem } = await toKeyForm(text);
      await expect(verifyBundle(original, { publicKeys: () => pem })).rejects.toMatchObject({ data: { check: expect.stringMatching(/^(mediaType|verificationMaterial)$/) } });
      // Third-party signers (Go's crypto/ecdsa) do not normalise S; the state repository's low-S rule is not theirs.
      const result = verifyBundle(keyForm, { publicKeys: new Map([['cert-key', pem]]), artifact: { sha256: sha256(artifactFile) }, allowHighS: true });
      if (signatureBad) await expect(result).rejects.toMatchObject({ data: { check: 'signature' } });
      else expect((await result).subject[0]?.digest['sha256']).toBe(sha256(artifactFile));
    });
  }

  it('trivy test fixture (cosign-made v0.3 DSSE bundle, statement v0.1): signature verifies, statement type is refused', async () => {
    const { original, keyForm, pem } = await toKeyForm(await readFile(trivyBundle, 'utf8'));
    await expect(verifyBundle(original, { publicKeys: () => pem })).rejects.toMatchObject({ data: { check: 'verificationMaterial' } });
    // Passing the signature check and failing on the statement proves the DSSE part was accepted.
    await expect(verifyBundle(keyForm, { publicKeys: () => pem, allowHighS: true })).rejects.toMatchObject({
      data: { check: 'statement' },
      message: expect.stringMatching(/_type is "https:\/\/in-toto\.io\/Statement\/v0\.1", expected "https:\/\/in-toto\.io\/Statement\/v1"/),
    });
  });
});
