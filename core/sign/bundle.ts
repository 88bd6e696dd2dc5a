/**
 * Sigstore bundle v0.3 for a DSSE in-toto statement signed with a local
 * P-256 key: offline, no transparency log, no timestamp authority. Trust
 * comes from the public key alone, found through `verificationMaterial.publicKey.hint`.
 *
 * `verifyBundle` is a list of named checks; each failure is a
 * SIGNATURE_INVALID StellaError whose message and `data.check` say which
 * check failed. Out of scope, and refused as such: certificate (keyless)
 * bundles and message-signature bundles. Transparency-log entries and
 * timestamps that a bundle may carry are not evaluated.
 */
import { parseUntrustedJson } from '../json/untrusted.js';
import { StellaError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import { INTOTO_PAYLOAD_TYPE, parseEnvelope, signEnvelope, verifyPae } from './dsse.js';
import type { DsseEnvelope } from './dsse.js';
import { base64Decode } from './encoding.js';
import { findSubject, parseStatement } from './intoto.js';
import type { InTotoStatement } from './intoto.js';
import { importPublicKeyPem } from './keys.js';
import type { SigningKey } from './keys.js';
import type { SignatureMemo } from './signature-memo.js';

/** Media type of the bundles we write. */
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** The older spelling of the same v0.3 format, still accepted when reading. */
export const BUNDLE_V03_LEGACY_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle+json;version=0.3';

/** A key-signed DSSE Sigstore bundle in its JSON form. */
export type SigstoreBundle = {
  mediaType: string;
  verificationMaterial: {
    publicKey: { hint: string };
    tlogEntries: never[];
    timestampVerificationData: { rfc3161Timestamps: never[] };
  };
  dsseEnvelope: DsseEnvelope;
};

/** SPKI PEM public keys by hint: a map, or a function (e.g. a key store). */
export type PublicKeyLookup = ReadonlyMap<string, string> | ((hint: string) => string | undefined | Promise<string | undefined>);

/** What {@link verifyBundle} trusts and, optionally, what it must cover. */
export interface VerifyBundleOptions {
  publicKeys: PublicKeyLookup;
  /** When given, a statement subject must carry this sha256 (and name, if given). */
  artifact?: { name?: string; sha256: string };
  /**
   * Accept a high-S ECDSA signature. Only for checking bundles made by other
   * tools (cosign and Go's crypto do not normalise S); never for what the
   * state repository holds, where a second encoding of a signature would let
   * an old report pass as new bytes (see `ecdsa.ts`).
   */
  allowHighS?: boolean;
  /**
   * Checks that verified before under the very same key (`signature-memo.ts`):
   * the key is still looked up by hint every time; only the ECDSA
   * verification of identical bytes is answered from the memo.
   */
  memo?: SignatureMemo;
}

/** The checks of {@link verifyBundle}, as reported in `error.data.check`. */
export type BundleCheck = 'json' | 'mediaType' | 'verificationMaterial' | 'content' | 'key' | 'signature' | 'payloadType' | 'statement' | 'artifact';

function fail(check: BundleCheck, reason: string, cause?: unknown): never {
  throw new StellaError('SIGNATURE_INVALID', `Sigstore bundle failed the ${check} check: ${reason}`, { cause, data: { check } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Signs canonical in-toto statement bytes (see `buildStatement`) into a
 * v0.3 bundle whose key hint is the signer's key id.
 * @example const bundle = await createBundle(buildStatement(input), signer); bundleToJson(bundle)
 */
export async function createBundle(statement: Uint8Array, key: SigningKey): Promise<SigstoreBundle> {
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      publicKey: { hint: key.keyId },
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: await signEnvelope(statement, INTOTO_PAYLOAD_TYPE, key),
  };
}

/**
 * Canonical JSON text of a bundle (sorted keys), for storing and hashing.
 * @example await writeFile('scan.sigstore.json', bundleToJson(bundle));
 */
export function bundleToJson(bundle: SigstoreBundle): string {
  return canonicalJson(bundle);
}

function checkJson(input: unknown): Record<string, unknown> {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = parseUntrustedJson('Sigstore bundle', input);
    } catch (cause) {
      fail('json', 'the bundle is not valid JSON', cause);
    }
  }
  if (!isRecord(value)) fail('json', 'the bundle is not a JSON object');
  return value;
}

function checkMediaType(bundle: Record<string, unknown>): void {
  const mediaType = bundle['mediaType'];
  if (mediaType !== BUNDLE_V03_MEDIA_TYPE && mediaType !== BUNDLE_V03_LEGACY_MEDIA_TYPE) {
    fail('mediaType', `mediaType is ${JSON.stringify(mediaType)}; only "${BUNDLE_V03_MEDIA_TYPE}" is supported`);
  }
}

/** Returns the key hint. */
function checkVerificationMaterial(bundle: Record<string, unknown>): string {
  const material = bundle['verificationMaterial'];
  if (!isRecord(material)) fail('verificationMaterial', 'verificationMaterial is missing or not an object');
  if ('certificate' in material || 'x509CertificateChain' in material) {
    fail('verificationMaterial', 'the bundle is certificate-signed (keyless); only public-key bundles are supported');
  }
  const publicKey = material['publicKey'];
  if (!isRecord(publicKey) || typeof publicKey['hint'] !== 'string' || publicKey['hint'] === '') {
    fail('verificationMaterial', 'verificationMaterial.publicKey.hint is missing or empty');
  }
  if (material['tlogEntries'] !== undefined && !Array.isArray(material['tlogEntries'])) {
    fail('verificationMaterial', 'verificationMaterial.tlogEntries is not an array');
  }
  const tsData = material['timestampVerificationData'];
  if (tsData !== undefined && !isRecord(tsData)) fail('verificationMaterial', 'verificationMaterial.timestampVerificationData is not an object');
  return publicKey['hint'];
}

function checkContent(bundle: Record<string, unknown>): { envelope: DsseEnvelope; payload: Uint8Array; signature: Uint8Array } {
  if ('messageSignature' in bundle) {
    fail('content', 'the bundle holds a messageSignature; only DSSE (in-toto) bundles are supported');
  }
  if (!('dsseEnvelope' in bundle)) fail('content', 'dsseEnvelope is missing');
  try {
    const envelope = parseEnvelope(bundle['dsseEnvelope'], 'dsseEnvelope');
    // A Sigstore bundle carries exactly one signature (bundle spec, DSSE content).
    if (envelope.signatures.length !== 1) fail('content', `dsseEnvelope has ${envelope.signatures.length} signatures; a bundle carries exactly one`);
    return {
      envelope,
      payload: base64Decode(envelope.payload, 'dsseEnvelope.payload'),
      signature: base64Decode(envelope.signatures[0]!.sig, 'dsseEnvelope.signatures[0].sig'),
    };
  } catch (cause) {
    if (cause instanceof StellaError && cause.data?.['check'] !== undefined) throw cause;
    return fail('content', cause instanceof Error ? cause.message : String(cause), cause);
  }
}

async function lookupKey(hint: string, lookup: PublicKeyLookup): Promise<string> {
  const pem = typeof lookup === 'function' ? await lookup(hint) : lookup.get(hint);
  if (pem === undefined) fail('key', `no trusted public key has hint "${hint}"; add the signer's public key to the trusted keys`);
  return pem;
}

async function importKey(hint: string, pem: string): Promise<CryptoKey> {
  try {
    return await importPublicKeyPem(pem);
  } catch (cause) {
    return fail('key', `the trusted key for hint "${hint}" is unusable: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
}

async function checkSignature(key: CryptoKey, envelope: DsseEnvelope, payload: Uint8Array, signature: Uint8Array, hint: string, allowHighS: boolean): Promise<void> {
  let ok: boolean;
  try {
    ok = await verifyPae(key, envelope.payloadType, payload, signature, { allowHighS });
  } catch (cause) {
    return fail('signature', cause instanceof Error ? cause.message : String(cause), cause);
  }
  if (!ok) fail('signature', `the DSSE signature does not verify with the key for hint "${hint}"; the bundle was altered or signed by another key`);
}

function checkStatement(envelope: DsseEnvelope, payload: Uint8Array): InTotoStatement {
  if (envelope.payloadType !== INTOTO_PAYLOAD_TYPE) {
    fail('payloadType', `payloadType is "${envelope.payloadType}"; expected "${INTOTO_PAYLOAD_TYPE}"`);
  }
  try {
    return parseStatement(payload);
  } catch (cause) {
    return fail('statement', cause instanceof Error ? cause.message : String(cause), cause);
  }
}

function checkArtifact(statement: InTotoStatement, artifact: VerifyBundleOptions['artifact']): void {
  if (artifact === undefined) return;
  // @sigstore/verify does not compare a DSSE statement's subject with the artifact; we must.
  if (findSubject(statement, artifact) === undefined) {
    const label = artifact.name === undefined ? `sha256:${artifact.sha256}` : `${artifact.name} (sha256:${artifact.sha256})`;
    fail('artifact', `artifact ${label} is not a subject of the signed statement (subjects: ${statement.subject.map((s) => s.name).join(', ')})`);
  }
}

/**
 * Verifies a key-signed DSSE bundle (JSON text or parsed value) and returns
 * its in-toto statement. Checks, in order: JSON, media type, verification
 * material, DSSE content, key by hint, signature over the PAE, payload type,
 * statement, artifact subject. Throws SIGNATURE_INVALID naming the check.
 * @example
 *   const statement = await verifyBundle(text, { publicKeys: new Map([[id, pem]]), artifact: { name: 'app.tgz', sha256 } });
 */
export async function verifyBundle(bundleJson: unknown, options: VerifyBundleOptions): Promise<InTotoStatement> {
  const bundle = checkJson(bundleJson);
  checkMediaType(bundle);
  const hint = checkVerificationMaterial(bundle);
  const { envelope, payload, signature } = checkContent(bundle);
  const pem = await lookupKey(hint, options.publicKeys);
  const allowHighS = options.allowHighS === true;
  const memo = allowHighS ? undefined : options.memo;
  const entry = memo === undefined ? undefined : await memo.key(pem, envelope.payloadType, payload, signature);
  if (entry === undefined || !memo?.has(entry)) {
    await checkSignature(await importKey(hint, pem), envelope, payload, signature, hint, allowHighS);
    if (entry !== undefined) memo?.add(entry);
  }
  const statement = checkStatement(envelope, payload);
  checkArtifact(statement, options.artifact);
  return statement;
}
