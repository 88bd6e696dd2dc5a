/**
 * Private signing keys live outside the state repository, in
 * `$STELLA_HOME/keys/<keyid>.pem` (PKCS#8, mode 0600). Only the public half
 * is ever committed (under `trust/`).
 *
 * @example
 *   const key = await createKey(home);          // new P-256 key, saved
 *   const again = await loadKey(home, key.keyId);
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StellaError } from '../../core/errors.js';
import { exportPrivateKeyPem, generateKeyPair, signingKeyFromPair, signingKeyFromPem, type SigningKey } from '../../core/sign/keys.js';

export function keyFile(home: string, keyid: string): string {
  return join(home, 'keys', `${keyid}.pem`);
}

export async function createKey(home: string): Promise<SigningKey> {
  const pair = await generateKeyPair();
  const key = await signingKeyFromPair(pair);
  await mkdir(join(home, 'keys'), { recursive: true, mode: 0o700 });
  await writeFile(keyFile(home, key.keyId), await exportPrivateKeyPem(pair.privateKey), { mode: 0o600, flag: 'wx' });
  return key;
}

export async function loadKey(home: string, keyid: string): Promise<SigningKey> {
  const path = keyFile(home, keyid);
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch {
    throw new StellaError('KEY_NOT_FOUND', `signing key ${keyid.slice(0, 12)}… not found at ${path}; set STELLA_HOME to the folder that holds keys/`);
  }
  const key = await signingKeyFromPem(pem);
  if (key.keyId !== keyid) throw new StellaError('KEY_NOT_FOUND', `${path} holds key ${key.keyId.slice(0, 12)}…, not ${keyid.slice(0, 12)}…`);
  return key;
}

/**
 * Where the public half of `keyid` is saved for others (`stella trust enroll --key`).
 * @example publicKeyFile(home, key.keyId) // '<home>/keys/<keyid>.pub.pem'
 */
export function publicKeyFile(home: string, keyid: string): string {
  return join(home, 'keys', `${keyid}.pub.pem`);
}

/**
 * Saves the public half of `key` beside its private key (idempotent) and returns the file.
 * @example await savePublicKey(home, key) // hand this file to the admin who enrolls the node
 */
export async function savePublicKey(home: string, key: SigningKey): Promise<string> {
  const path = publicKeyFile(home, key.keyId);
  await mkdir(join(home, 'keys'), { recursive: true, mode: 0o700 });
  await writeFile(path, key.publicKeyPem, { mode: 0o644 });
  return path;
}
