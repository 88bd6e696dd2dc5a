/**
 * The keys that sign access tokens. The private key is the
 * `TOKEN_SIGNING_KEY` secret (a private EC P-256 JWK); its public half, named
 * by its RFC 7638 thumbprint (`kid`), is published at
 * `/.well-known/jwks.json` from a KV record. Rotation: an operator replaces
 * the secret; the first request that sees a new `kid` moves the previous key
 * to `retired` with a `verifyUntil` past the last token it can have signed,
 * so tokens issued just before the rotation keep verifying until they expire.
 *
 * KV is eventually consistent, so during a rotation another location may
 * serve the old record for up to a minute; both keys are in the new record,
 * and a token is never longer-lived than the retired key's grace period.
 *
 * @example
 *   const signer = await tokenSigner(env.TOKEN_SIGNING_KEY);
 *   const keys = await publishedKeys(env.STELLA_KV, signer, Date.now());
 */
import type { KVNamespace } from '@cloudflare/workers-types/index.ts';
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { ProblemError } from '../problem.js';

/** Longest life of an access token (RFC 9449 tokens are meant to be short; the issue caps them at 5 minutes). */
export const ACCESS_TOKEN_TTL_SECONDS = 300;
/** Clock skew tolerated between the edge's locations and agents. */
export const CLOCK_SKEW_SECONDS = 30;

const RECORD_KEY = 'jwks:published';

/** The current signing key: private half for signing, public JWK for the JWKS. */
export interface TokenSigner {
  kid: string;
  privateKey: CryptoKey;
  /** Imported once: every agent request verifies with it. */
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** One published public key; `verifyUntil` (ms since epoch) is set once it is retired. */
export interface PublishedKey {
  jwk: JWK;
  verifyUntil?: number;
}

interface PublishedRecord {
  current: JWK;
  retired: PublishedKey[];
}

const signers = new Map<string, Promise<TokenSigner>>();

/**
 * Parses the secret once per isolate. Throws a 500 problem naming the secret when it is not a private P-256 JWK.
 * @example const { kid } = await tokenSigner(env.TOKEN_SIGNING_KEY);
 */
export function tokenSigner(secret: string): Promise<TokenSigner> {
  let signer = signers.get(secret);
  if (signer === undefined) {
    signer = parseSigner(secret);
    signers.set(secret, signer);
    signer.catch(() => signers.delete(secret));
  }
  return signer;
}

async function parseSigner(secret: string): Promise<TokenSigner> {
  const misconfigured = new ProblemError(500, 'edge-misconfigured', 'Edge misconfigured', 'TOKEN_SIGNING_KEY must be a private EC P-256 JWK (kty EC, crv P-256, x, y, d)');
  let jwk: JWK;
  try {
    jwk = JSON.parse(secret) as JWK;
  } catch {
    throw misconfigured;
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') throw misconfigured;
  const publicJwk: JWK = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateKey = await importJWK({ ...publicJwk, d: jwk.d }, 'ES256');
  if (!(privateKey instanceof CryptoKey)) throw misconfigured;
  return { kid, privateKey, publicKey: await publicKeyOf(publicJwk), publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } };
}

/**
 * The keys that verify tokens now: the current one, then retired ones still in their grace period.
 * Records a rotation when the secret's key is not the recorded current one.
 * @example (await publishedKeys(kv, signer, Date.now())).map((k) => k.jwk.kid)
 */
export async function publishedKeys(kv: KVNamespace, signer: TokenSigner, now: number): Promise<PublishedKey[]> {
  const record = await kv.get<PublishedRecord>(RECORD_KEY, 'json');
  if (record !== null && record.current.kid === signer.kid) return view(record, now);
  const retired = record === null ? [] : [...record.retired, { jwk: record.current, verifyUntil: now + (ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000 }];
  const next: PublishedRecord = { current: signer.publicJwk, retired: retired.filter((k) => k.jwk.kid !== signer.kid && (k.verifyUntil ?? 0) > now) };
  await kv.put(RECORD_KEY, JSON.stringify(next));
  return view(next, now);
}

function view(record: PublishedRecord, now: number): PublishedKey[] {
  return [{ jwk: record.current }, ...record.retired.filter((k) => (k.verifyUntil ?? 0) > now)];
}

/**
 * The public key named `kid`, if it may verify tokens at `now`.
 * @example const key = await verificationKey(kv, signer, header.kid, Date.now());
 */
export async function verificationKey(kv: KVNamespace, signer: TokenSigner, kid: string, now: number): Promise<CryptoKey | undefined> {
  if (kid === signer.kid) return signer.publicKey;
  const found = (await publishedKeys(kv, signer, now)).find((k) => k.jwk.kid === kid);
  return found === undefined ? undefined : publicKeyOf(found.jwk);
}

async function publicKeyOf(jwk: JWK): Promise<CryptoKey> {
  const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'ES256');
  if (!(key instanceof CryptoKey)) throw new ProblemError(500, 'edge-misconfigured', 'Edge misconfigured', `published key ${jwk.kid ?? '?'} is not an EC public key`);
  return key;
}
