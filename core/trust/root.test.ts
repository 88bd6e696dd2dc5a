import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { base64Decode } from '../sign/encoding.js';
import { generateKeyPair, signingKeyFromPair, type SigningKey } from '../sign/keys.js';
import { opensslVerifies } from '../sign/openssl.test-helper.js';
import { applyEdits } from './edit.js';
import { trustedKeyIds, trustedKeyLookup } from './lookup.js';
import { formatRoot, parseRoot, PENDING_ROOT_PATH, rfc3339, ROOT_PATH, signedBytes, type TrustRoot } from './root.js';
import { assertNotExpired, rootThresholds, signRoot, verifyAnchor, verifySuccessor } from './rules.js';
import { initialRoot, stageRoot } from './stage.js';
import { updateTrustRoot } from './update.js';

const newKey = async (): Promise<SigningKey> => signingKeyFromPair(await generateKeyPair());
const IN_A_YEAR = rfc3339(new Date(Date.now() + 365 * 86_400_000));
const schemasDir = join(import.meta.dirname, '..', '..', 'schemas');

describe('trust/root.json', async () => {
  const a = await newKey();
  const b = await newKey();
  const v1 = await initialRoot({ key: a, node: 'edge-1', expires: IN_A_YEAR });

  it('version 1 of stella init: one key holds every role and signs for the node, and verifies as the anchor', async () => {
    expect(v1.signed.version).toBe(1);
    for (const role of ['root', 'feeds', 'policies'] as const) expect(v1.signed.roles[role]).toEqual({ keyids: [a.keyId], threshold: 1 });
    expect(v1.signed.nodes).toEqual({ 'edge-1': { keyids: [a.keyId] } });
    await verifyAnchor(v1, 'v1');
    expect(trustedKeyLookup(v1, 'reports', 'edge-1')(a.keyId)).toBe(a.publicKeyPem);
    expect(trustedKeyLookup(v1, 'reports', 'edge-2')(a.keyId)).toBeUndefined();
    expect(trustedKeyLookup(v1, 'feeds')(b.keyId)).toBeUndefined();
  });

  it('is readable canonical JSON that matches schemas/root.schema.json, and the parser refuses any other layout', async () => {
    const bytes = formatRoot(v1);
    const text = new TextDecoder().decode(bytes);
    expect(text).toContain('\n  "signatures": [\n');
    expect(parseRoot(bytes)).toEqual(v1);
    const schema = JSON.parse(await readFile(join(schemasDir, 'root.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(schema);
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(() => parseRoot(new TextEncoder().encode(JSON.stringify(JSON.parse(text))))).toThrow(/not in canonical form/);
    // A duplicated key would let a reviewer and the parser see different values.
    const duplicated = text.replace('"version": 1', '"version": 1,\n    "version": 1');
    expect(() => parseRoot(new TextEncoder().encode(duplicated))).toThrow(/canonical form/);
  });

  it('signs the canonical JSON of "signed" with a DER ECDSA signature that OpenSSL verifies', async () => {
    const signature = v1.signatures[0]!;
    const result = await opensslVerifies(a.publicKeyPem, signedBytes(v1.signed), base64Decode(signature.sig, 'sig'));
    expect(result.stdout).toContain('Verified OK');
  });

  it('refuses a key whose id is not its SHA-256 (checked, not trusted)', async () => {
    const swapped: TrustRoot = { ...v1, signed: { ...v1.signed, keys: { [a.keyId]: { algorithm: 'ecdsa-p256-sha256', publicKey: b.publicKeyPem } } } };
    swapped.signatures = [await signRoot(swapped.signed, a)];
    await expect(verifyAnchor(swapped, 'swapped')).rejects.toThrow(/holds key .*not the key its id names/);
  });

  it('a successor needs a threshold of the previous AND of its own root keys, and exactly the next version', async () => {
    const signed = await applyEdits({ ...v1.signed, version: 2 }, [{ $case: 'rotate', role: 'root', add: [b.publicKeyPem], remove: [], threshold: 2 }]);
    const byA: TrustRoot = { signed, signatures: [await signRoot(signed, a)] };
    await expect(verifySuccessor(v1, byA, 'v2')).rejects.toThrow(/version 2's root keys must sign with threshold 2, but 1 valid signature was found/);
    const both: TrustRoot = { signed, signatures: [...byA.signatures, await signRoot(signed, b)] };
    await verifySuccessor(v1, both, 'v2');
    const byB: TrustRoot = { signed, signatures: [await signRoot(signed, b)] };
    await expect(verifySuccessor(v1, byB, 'v2')).rejects.toThrow(/version 1's root keys must sign with threshold 1, but 0/);
    const skipped = { ...both, signed: { ...signed, version: 3 } };
    await expect(verifySuccessor(v1, skipped, 'v3')).rejects.toThrow(/versions must go up by exactly 1/);
  });

  it('an expired root says when and what to do', () => {
    const old = { ...v1, signed: { ...v1.signed, expires: '2020-01-01T00:00:00Z' } };
    expect(() => assertNotExpired(old, new Date(), ROOT_PATH)).toThrow('trust/root.json: trust root expired on 2020-01-01T00:00:00Z: renew it');
    assertNotExpired(v1, new Date(), ROOT_PATH);
  });

  it('stages a change needing two signatures in the pending file, and promotes it once both signed', async () => {
    const rotate = await stageRoot({ current: v1, pending: undefined, edits: [{ $case: 'rotate', role: 'root', add: [b.publicKeyPem], remove: [], threshold: 2 }], signer: a, expires: IN_A_YEAR });
    expect(rotate.complete).toBe(false);
    expect([...rotate.changes.keys()]).toEqual([PENDING_ROOT_PATH]);
    expect(rotate.checks.map((c) => [c.version, c.signed.length, c.threshold])).toEqual([
      [1, 1, 1],
      [2, 1, 2],
    ]);
    const signedByB = await stageRoot({ current: v1, pending: rotate.root, edits: [], signer: b });
    expect(signedByB.complete).toBe(true);
    expect(signedByB.changes.get(PENDING_ROOT_PATH)).toBeNull();
    const v2 = parseRoot(signedByB.changes.get(ROOT_PATH) as Uint8Array);
    await verifySuccessor(v1, v2, 'v2');
    expect(await updateTrustRoot(v1, [v2], new Date())).toEqual(v2);
    // Editing the pending version again drops the signatures given for the old content.
    const edited = await stageRoot({ current: v1, pending: rotate.root, edits: [{ $case: 'enroll', node: 'edge-2', publicKey: b.publicKeyPem }], signer: undefined, expires: IN_A_YEAR });
    expect(edited.root.signatures).toEqual([]);
    // The same content again (a renewal to the same expiry) keeps them.
    const same = await stageRoot({ current: v1, pending: rotate.root, edits: [{ $case: 'renew' }], signer: undefined, expires: rotate.root.signed.expires });
    expect(same.root.signatures).toEqual(rotate.root.signatures);
  });

  it('enrol and revoke change only the node keys; revoking the only root key is refused with what to do instead', async () => {
    const enrolled = await applyEdits(v1.signed, [{ $case: 'enroll', node: 'edge-2', publicKey: b.publicKeyPem }]);
    expect(trustedKeyIds(enrolled, 'reports', 'edge-2')).toEqual([b.keyId]);
    const revoked = await applyEdits(enrolled, [{ $case: 'revoke', keyid: b.keyId }]);
    expect(revoked.nodes['edge-2']).toBeUndefined();
    expect(revoked.keys[b.keyId]).toBeUndefined();
    await expect(applyEdits(v1.signed, [{ $case: 'revoke', keyid: a.keyId }])).rejects.toThrow(/stella trust rotate --role feeds/);
  });

  it('a client update refuses a gap, a fork and a rollback', async () => {
    const staged = await stageRoot({ current: v1, pending: undefined, edits: [{ $case: 'renew' }], signer: a, expires: IN_A_YEAR });
    const v2 = staged.root;
    const v3 = (await stageRoot({ current: v2, pending: undefined, edits: [{ $case: 'renew' }], signer: a, expires: IN_A_YEAR })).root;
    await expect(updateTrustRoot(v1, [v3], new Date())).rejects.toThrow(/version 2 is missing/);
    expect(await updateTrustRoot(v1, [v3, v2], new Date())).toEqual(v3);
    await expect(updateTrustRoot(v2, [v1], new Date())).rejects.toThrow(/older than the trusted version 2/);
    const other = await initialRoot({ key: b, node: 'edge-1', expires: IN_A_YEAR });
    await expect(updateTrustRoot(v1, [other], new Date())).rejects.toThrow(/forked/);
  });
});
