/**
 * The trust-root rules, after TUF's root rotation (TUF specification §5.3):
 *
 * - every key id is the SHA-256 of its key's SPKI DER — checked, not trusted;
 * - version 1 is signed by a threshold of its own root keys; it is trusted
 *   on first use (the first commit that adds `trust/root.json` is the anchor);
 * - version N+1 is signed by a threshold of version N's root keys AND a
 *   threshold of its own, so neither the old nor the new key set alone can
 *   move trust;
 * - the root in effect now must not be expired.
 *
 * Signatures are ASN.1 DER ECDSA P-256 / SHA-256 over the canonical JSON of
 * `signed`, base64 encoded, as OpenSSL and cosign write them.
 *
 * @example
 *   await verifyAnchor(v1, 'main:trust/root.json');
 *   await verifySuccessor(v1, v2, 'main:trust/root.json');
 *   assertNotExpired(v2, new Date(), 'main:trust/root.json');
 */
import { StellaError } from '../errors.js';
import { signP256, verifyP256 } from '../sign/ecdsa.js';
import { derToP1363, p1363ToDer } from '../sign/ecdsa-der.js';
import { base64Decode, base64Encode } from '../sign/encoding.js';
import { importPublicKeyPem, keyId, type SigningKey } from '../sign/keys.js';
import { signedBytes, type RootSignature, type RootSigned, type TrustRoot } from './root.js';

/** Where a root stands against one threshold: whose signatures count, whose are missing. */
export interface ThresholdCheck {
  /** The version whose root role sets this threshold. */
  version: number;
  threshold: number;
  signed: string[];
  missing: string[];
}

/**
 * Signs `signed` with a key; the signature goes into `signatures`.
 * @example root.signatures.push(await signRoot(root.signed, key));
 */
export async function signRoot(signed: RootSigned, key: SigningKey): Promise<RootSignature> {
  const raw = await signP256(key.privateKey, signedBytes(signed));
  return { keyid: key.keyId, sig: base64Encode(p1363ToDer(raw)) };
}

/**
 * Throws REPO_INVALID when a listed key's id is not the SHA-256 of its SPKI
 * DER (a swapped or damaged key) or its PEM is unusable.
 * @example await checkKeyIds(root.signed, 'main:trust/root.json');
 */
export async function checkKeyIds(signed: RootSigned, where: string): Promise<void> {
  for (const [id, key] of Object.entries(signed.keys)) {
    let actual: string;
    try {
      actual = await keyId(key.publicKey);
    } catch (cause) {
      throw new StellaError('REPO_INVALID', `${where}: signed.keys.${id.slice(0, 12)}… is not a usable P-256 public key`, { cause });
    }
    if (actual !== id) throw new StellaError('REPO_INVALID', `${where}: signed.keys.${id.slice(0, 12)}… holds key ${actual.slice(0, 12)}…, not the key its id names`);
  }
}

/**
 * How `root`'s signatures meet the root-role threshold of `authority` (the
 * previous version, or `root` itself). Only keys of that role count, each once.
 * @example const check = await rootThreshold(previous.signed, next); check.signed.length >= check.threshold
 */
export async function rootThreshold(authority: RootSigned, root: TrustRoot): Promise<ThresholdCheck> {
  const role = authority.roles.root;
  const bytes = signedBytes(root.signed);
  const signed: string[] = [];
  for (const keyid of role.keyids) {
    const signature = root.signatures.find((s) => s.keyid === keyid);
    const pem = authority.keys[keyid]?.publicKey;
    if (signature !== undefined && pem !== undefined && (await signatureVerifies(pem, signature.sig, bytes))) signed.push(keyid);
  }
  return { version: authority.version, threshold: role.threshold, signed, missing: role.keyids.filter((id) => !signed.includes(id)) };
}

/**
 * The thresholds a root must meet: its own root role, and for a version
 * after 1 the root role of `previous` too.
 * @example const checks = await rootThresholds(current.signed, pending); checks.every(met)
 */
export async function rootThresholds(previous: RootSigned | undefined, root: TrustRoot): Promise<ThresholdCheck[]> {
  const checks = previous === undefined ? [] : [await rootThreshold(previous, root)];
  checks.push(await rootThreshold(root.signed, root));
  return checks;
}

/**
 * True when a threshold check has enough signatures.
 * @example (await rootThresholds(prev, next)).every(thresholdMet)
 */
export function thresholdMet(check: ThresholdCheck): boolean {
  return check.signed.length >= check.threshold;
}

/**
 * Checks a version-1 root: key ids, and a threshold of its own root keys.
 * Throws REPO_INVALID / SIGNATURE_INVALID naming `where`.
 * @example await verifyAnchor(parseRoot(bytes), 'main:trust/root.json');
 */
export async function verifyAnchor(root: TrustRoot, where: string): Promise<void> {
  if (root.signed.version !== 1) throw new StellaError('REPO_INVALID', `${where}: the first trust root must be version 1, not ${root.signed.version}`);
  await checkKeyIds(root.signed, where);
  assertThresholds(await rootThresholds(undefined, root), where);
}

/**
 * Checks that `next` may follow `previous`: version exactly one higher, key
 * ids, and thresholds of both versions' root keys.
 * @example await verifySuccessor(v2, v3, 'agents/edge-1:trust/root.json');
 */
export async function verifySuccessor(previous: TrustRoot, next: TrustRoot, where: string): Promise<void> {
  // Key ids first: after tampering, "this key is not the key its id names" is the most useful thing to say.
  await checkKeyIds(next.signed, where);
  const expected = previous.signed.version + 1;
  if (next.signed.version === previous.signed.version) {
    throw new StellaError('REPO_INVALID', `${where}: trust root version ${previous.signed.version} changed in place; a change must be version ${expected}, signed by the root keys`);
  }
  if (next.signed.version !== expected) {
    throw new StellaError('REPO_INVALID', `${where}: trust root version ${next.signed.version} follows version ${previous.signed.version}; versions must go up by exactly 1`);
  }
  assertThresholds(await rootThresholds(previous.signed, next), where);
}

/**
 * Throws VERIFY_FAILED when the root expired before `now`.
 * @example assertNotExpired(current, new Date(), 'main:trust/root.json');
 */
export function assertNotExpired(root: TrustRoot, now: Date, where: string): void {
  const problem = expiryProblem(root, now);
  if (problem !== undefined) throw new StellaError('VERIFY_FAILED', `${where}: ${problem}`);
}

/**
 * Why the root can no longer be used at `now`, or undefined while it is valid.
 * @example expiryProblem(root, new Date()) // 'trust root expired on 2025-05-01T00:00:00Z: renew it (stella trust renew)'
 */
export function expiryProblem(root: TrustRoot, now: Date): string | undefined {
  return Date.parse(root.signed.expires) <= now.getTime() ? `trust root expired on ${root.signed.expires}: renew it (stella trust renew)` : undefined;
}

function assertThresholds(checks: ThresholdCheck[], where: string): void {
  for (const check of checks) {
    if (!thresholdMet(check)) {
      throw new StellaError(
        'SIGNATURE_INVALID',
        `${where}: version ${check.version}'s root keys must sign with threshold ${check.threshold}, ` +
          `but ${check.signed.length} valid signature${check.signed.length === 1 ? '' : 's'} ${check.signed.length === 1 ? 'was' : 'were'} found`,
      );
    }
  }
}

async function signatureVerifies(pem: string, sig: string, bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
  try {
    const key = await importPublicKeyPem(pem);
    return await verifyP256(key, derToP1363(base64Decode(sig, 'root signature')), bytes);
  } catch {
    // A malformed or high-S signature, or an unusable key, counts as no signature; the threshold message says how many were valid.
    return false;
  }
}
