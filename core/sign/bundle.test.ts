import { createHash, createPublicKey } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { describe, expect, it } from 'vitest';
import { BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE, bundleToJson, createBundle, verifyBundle } from './bundle.js';
import type { SigstoreBundle } from './bundle.js';
import { INTOTO_PAYLOAD_TYPE, signEnvelope } from './dsse.js';
import { base64Decode, base64Encode } from './encoding.js';
import { buildStatement } from './intoto.js';
import { generateKeyPair, signingKeyFromPair } from './keys.js';
import type { SigningKey } from './keys.js';

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
const artifactBytes = new TextEncoder().encode('the artifact bytes\n');
const artifact = { name: 'app.tgz', sha256: sha256(artifactBytes) };
const clone = <T>(value: T): T => structuredClone(value);

function statementFor(sha: string = artifact.sha256): Uint8Array {
  return buildStatement({ subjects: [{ name: artifact.name, sha256: sha }], predicateType: 'https://stella-mesh.dev/scan/v1', predicate: { findings: 0 } });
}

/** @sigstore/verify with an empty trusted root: key-only trust, no log, no timestamps. */
function sigstoreVerify(bundleJson: string, signer: SigningKey): void {
  const bundle = bundleFromJSON(JSON.parse(bundleJson));
  const root = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
  const trust = toTrustMaterial(root, (hint: string) => {
    if (hint !== signer.keyId) throw new Error(`oracle: unknown hint ${hint}`);
    return { publicKey: createPublicKey(signer.publicKeyPem), validFor: () => true };
  });
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  // DSSE: the signature covers the envelope, so no artifact bytes are passed.
  const result = verifier.verify(toSignedEntity(bundle));
  expect(result.key.export({ type: 'spki', format: 'pem' })).toBe(signer.publicKeyPem);
}

describe('Sigstore bundle v0.3, key-signed DSSE', async () => {
  const signer = await signingKeyFromPair(await generateKeyPair());
  const other = await signingKeyFromPair(await generateKeyPair());
  const keys = new Map([[signer.keyId, signer.publicKeyPem]]);
  const bundle = await createBundle(statementFor(), signer);
  const json = bundleToJson(bundle);

  it('has the v0.3 shape', () => {
    expect(bundle.mediaType).toBe(BUNDLE_V03_MEDIA_TYPE);
    expect(bundle.verificationMaterial).toEqual({ publicKey: { hint: signer.keyId }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } });
    expect(bundle.dsseEnvelope.payloadType).toBe(INTOTO_PAYLOAD_TYPE);
    expect(JSON.parse(json)).toEqual(bundle);
  });

  it('verifies with @sigstore/verify (independent oracle)', () => {
    sigstoreVerify(json, signer);
  });

  it('the oracle rejects what we reject: a changed payload byte and a changed signature byte', () => {
    const payload = base64Decode(bundle.dsseEnvelope.payload, 'payload');
    payload[payload.length - 3]! ^= 0x01;
    const badPayload = clone(bundle);
    badPayload.dsseEnvelope.payload = base64Encode(payload);
    expect(() => sigstoreVerify(bundleToJson(badPayload), signer)).toThrow(/signature/i);
    const badSig = withSignatureByteFlipped(bundle);
    expect(() => sigstoreVerify(bundleToJson(badSig), signer)).toThrow(/signature/i);
  });

  it('verifies with our verifier and returns the statement, with and without an artifact', async () => {
    const statement = await verifyBundle(json, { publicKeys: keys, artifact });
    expect(statement.subject).toEqual([{ name: 'app.tgz', digest: { sha256: artifact.sha256 } }]);
    expect(statement.predicate).toEqual({ findings: 0 });
    expect(await verifyBundle(JSON.parse(json), { publicKeys: keys })).toEqual(statement);
    expect(await verifyBundle(json, { publicKeys: async (hint) => (hint === signer.keyId ? signer.publicKeyPem : undefined), artifact: { sha256: artifact.sha256 } })).toEqual(statement);
  });

  it('accepts the legacy spelling of the v0.3 media type', async () => {
    const legacy = { ...clone(bundle), mediaType: BUNDLE_V03_LEGACY_MEDIA_TYPE };
    await expect(verifyBundle(legacy, { publicKeys: keys })).resolves.toBeDefined();
  });

  function withSignatureByteFlipped(source: SigstoreBundle): SigstoreBundle {
    const copy = clone(source);
    const sig = base64Decode(copy.dsseEnvelope.signatures[0]!.sig, 'sig');
    sig[sig.length - 1]! ^= 0x01;
    copy.dsseEnvelope.signatures[0]!.sig = base64Encode(sig);
    return copy;
  }

  describe('one changed byte fails verification with a message naming the check', () => {
    const expectFailure = async (input: unknown, check: string, message: RegExp, opts: Parameters<typeof verifyBundle>[1] = { publicKeys: keys, artifact }): Promise<void> => {
      const error: unknown = await verifyBundle(input, opts).then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'SIGNATURE_INVALID', data: { check } });
      expect((error as Error).message).toMatch(message);
    };

    it('in the payload', async () => {
      const payload = base64Decode(bundle.dsseEnvelope.payload, 'payload');
      payload[10]! ^= 0x01;
      const tampered = clone(bundle);
      tampered.dsseEnvelope.payload = base64Encode(payload);
      await expectFailure(tampered, 'signature', /^Sigstore bundle failed the signature check: the DSSE signature does not verify with the key for hint "[0-9a-f]{64}"/);
    });

    it('in the signature', async () => {
      await expectFailure(withSignatureByteFlipped(bundle), 'signature', /failed the signature check: the DSSE signature does not verify/);
    });

    it('in the statement subject digest', async () => {
      const flipped = artifact.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      const tampered = clone(bundle);
      const payloadText = new TextDecoder().decode(base64Decode(bundle.dsseEnvelope.payload, 'payload'));
      expect(payloadText).toContain(artifact.sha256);
      tampered.dsseEnvelope.payload = base64Encode(new TextEncoder().encode(payloadText.replace(artifact.sha256, flipped)));
      await expectFailure(tampered, 'signature', /failed the signature check/);
    });

    it('in the key id hint', async () => {
      const tampered = clone(bundle);
      const hint = tampered.verificationMaterial.publicKey.hint;
      tampered.verificationMaterial.publicKey.hint = (hint[0] === 'a' ? 'b' : 'a') + hint.slice(1);
      await expectFailure(tampered, 'key', /failed the key check: no trusted public key has hint "[0-9a-f]{64}"; add the signer's public key/);
    });

    it('in the artifact', async () => {
      const changed = artifactBytes.slice();
      changed[0]! ^= 0x01;
      await expectFailure(json, 'artifact', /failed the artifact check: artifact app\.tgz \(sha256:[0-9a-f]{64}\) is not a subject of the signed statement \(subjects: app\.tgz\)/, {
        publicKeys: keys,
        artifact: { name: 'app.tgz', sha256: sha256(changed) },
      });
    });

    it('signed by another key but claiming our hint', async () => {
      const forged = await createBundle(statementFor(), other);
      forged.verificationMaterial.publicKey.hint = signer.keyId;
      await expectFailure(forged, 'signature', /failed the signature check/);
    });

    it('signed by another, untrusted key', async () => {
      await expectFailure(await createBundle(statementFor(), other), 'key', new RegExp(`no trusted public key has hint "${other.keyId}"`));
    });
  });

  describe('strict parsing', () => {
    const base = (): Record<string, unknown> => JSON.parse(json) as Record<string, unknown>;
    const material = (b: Record<string, unknown>): Record<string, unknown> => b['verificationMaterial'] as Record<string, unknown>;
    const envelope = (b: Record<string, unknown>): Record<string, unknown> => b['dsseEnvelope'] as Record<string, unknown>;
    const cases: Array<[string, () => unknown, string, RegExp]> = [
      ['text that is not JSON', () => json.slice(0, -1), 'json', /the bundle is not valid JSON/],
      ['a JSON array', () => '[]', 'json', /not a JSON object/],
      ['a wrong media type', () => ({ ...base(), mediaType: 'application/json' }), 'mediaType', /mediaType is "application\/json"; only "application\/vnd\.dev\.sigstore\.bundle\.v0\.3\+json" is supported/],
      ['a v0.2 media type', () => ({ ...base(), mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2' }), 'mediaType', /mediaType is/],
      ['no media type', () => { const b = base(); delete b['mediaType']; return b; }, 'mediaType', /mediaType is undefined/],
      ['no verificationMaterial', () => { const b = base(); delete b['verificationMaterial']; return b; }, 'verificationMaterial', /verificationMaterial is missing/],
      ['a certificate instead of a key', () => { const b = base(); material(b)['certificate'] = { rawBytes: 'AA==' }; return b; }, 'verificationMaterial', /certificate-signed \(keyless\); only public-key bundles/],
      ['no key hint', () => { const b = base(); material(b)['publicKey'] = {}; return b; }, 'verificationMaterial', /publicKey\.hint is missing or empty/],
      ['tlogEntries that is not an array', () => { const b = base(); material(b)['tlogEntries'] = {}; return b; }, 'verificationMaterial', /tlogEntries is not an array/],
      ['a message signature', () => ({ ...base(), messageSignature: {} }), 'content', /holds a messageSignature; only DSSE \(in-toto\) bundles/],
      ['no dsseEnvelope', () => { const b = base(); delete b['dsseEnvelope']; return b; }, 'content', /dsseEnvelope is missing/],
      ['no signatures', () => { const b = base(); envelope(b)['signatures'] = []; return b; }, 'content', /dsseEnvelope\.signatures is missing or empty/],
      ['two signatures', () => { const b = base(); const e = envelope(b); e['signatures'] = [...(e['signatures'] as unknown[]), ...(e['signatures'] as unknown[])]; return b; }, 'content', /has 2 signatures; a bundle carries exactly one/],
      ['a payload that is not base64', () => { const b = base(); envelope(b)['payload'] = 'not base64!'; return b; }, 'content', /dsseEnvelope\.payload is not canonical standard base64/],
      ['a signature that is not base64', () => { const b = base(); (envelope(b)['signatures'] as Array<Record<string, unknown>>)[0]!['sig'] = 'MEUC%%%'; return b; }, 'content', /dsseEnvelope\.signatures\[0\]\.sig is not canonical/],
      ['a payload with a missing type', () => { const b = base(); delete envelope(b)['payloadType']; return b; }, 'content', /dsseEnvelope\.payloadType is missing/],
      ['a signature that is not DER', () => { const b = base(); (envelope(b)['signatures'] as Array<Record<string, unknown>>)[0]!['sig'] = base64Encode(new Uint8Array(64)); return b; }, 'signature', /signature is not a DER ECDSA signature: does not start with a SEQUENCE/],
    ];
    for (const [name, make, check, message] of cases) {
      it(`rejects ${name}`, async () => {
        const error: unknown = await verifyBundle(make(), { publicKeys: keys }).then(() => undefined, (e: unknown) => e);
        expect(error).toMatchObject({ code: 'SIGNATURE_INVALID', data: { check } });
        expect((error as Error).message).toMatch(message);
      });
    }

    it('rejects a signed envelope whose payload type is not in-toto', async () => {
      const b = clone(bundle);
      b.dsseEnvelope = await signEnvelope(statementFor(), 'application/json', signer);
      await expect(verifyBundle(b, { publicKeys: keys })).rejects.toMatchObject({ data: { check: 'payloadType' }, message: expect.stringMatching(/payloadType is "application\/json"; expected "application\/vnd\.in-toto\+json"/) });
    });

    it('rejects a signed in-toto payload that is not a v1 statement', async () => {
      const b = clone(bundle);
      b.dsseEnvelope = await signEnvelope(new TextEncoder().encode('{"_type":"https://in-toto.io/Statement/v0.1"}'), INTOTO_PAYLOAD_TYPE, signer);
      await expect(verifyBundle(b, { publicKeys: keys })).rejects.toMatchObject({ data: { check: 'statement' }, message: expect.stringMatching(/failed the statement check: in-toto statement: _type is/) });
    });

    it('rejects a trusted key that cannot be imported', async () => {
      await expect(verifyBundle(json, { publicKeys: new Map([[signer.keyId, 'garbage']]) })).rejects.toMatchObject({ data: { check: 'key' }, message: expect.stringMatching(/trusted key for hint "[0-9a-f]+" is unusable/) });
    });
  });
});
