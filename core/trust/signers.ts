/**
 * `trust/signers.json`: which keys may sign what. Each key has a role list
 * (`reports`, `feeds`) and the nodes it may sign reports for (`*` = any).
 * Public keys live beside it as `trust/keys/<keyid>.pem`; the key id is the
 * SHA-256 of the key's SPKI DER, so a key file cannot be swapped unnoticed.
 *
 * @example
 *   const signers = parseSigners(bytes);
 *   const allowed = signerFor(signers, keyid, 'reports', 'node-1');
 */
import { StellaError } from '../errors.js';

export const SIGNERS_PATH = 'trust/signers.json';
export const TRUST_KEYS_DIR = 'trust/keys';

export type SignerRole = 'reports' | 'feeds';
const ROLES: readonly SignerRole[] = ['reports', 'feeds'];

export interface SignerEntry {
  keyid: string;
  algorithm: 'ecdsa-p256-sha256';
  roles: SignerRole[];
  /** Node names this key may sign reports for; `*` means any node. */
  nodes: string[];
}

export interface Signers {
  version: 1;
  keys: SignerEntry[];
}

export function publicKeyPath(keyid: string): string {
  return `${TRUST_KEYS_DIR}/${keyid}.pem`;
}

export function parseSigners(bytes: Uint8Array, where = SIGNERS_PATH): Signers {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new StellaError('JSON_INVALID', `${where}: not valid JSON (${(error as Error).message})`);
  }
  const fail = (problem: string): never => {
    throw new StellaError('REPO_INVALID', `${where}: ${problem}`);
  };
  if (typeof value !== 'object' || value === null) return fail('expected an object');
  const { version, keys } = value as { version?: unknown; keys?: unknown };
  if (version !== 1) fail(`unsupported version ${String(version)} (expected 1)`);
  if (!Array.isArray(keys)) return fail('"keys" must be a list');
  const entries = keys.map((entry: unknown, index): SignerEntry => {
    const e = entry as Partial<SignerEntry> | null;
    if (e === null || typeof e !== 'object') return fail(`keys[${index}] is not an object`);
    if (typeof e.keyid !== 'string' || !/^[0-9a-f]{64}$/.test(e.keyid)) fail(`keys[${index}].keyid must be 64 hex digits`);
    if (e.algorithm !== 'ecdsa-p256-sha256') fail(`keys[${index}].algorithm must be ecdsa-p256-sha256`);
    if (!Array.isArray(e.roles) || !e.roles.every((role) => ROLES.includes(role))) fail(`keys[${index}].roles must list ${ROLES.join(', ')}`);
    if (!Array.isArray(e.nodes) || !e.nodes.every((node) => typeof node === 'string')) fail(`keys[${index}].nodes must list node names`);
    return e as SignerEntry;
  });
  return { version: 1, keys: entries };
}

/** Canonical bytes of a signers file: keys sorted by id, two-space JSON, final newline. */
export function formatSigners(signers: Signers): Uint8Array {
  const keys = [...signers.keys]
    .sort((a, b) => (a.keyid < b.keyid ? -1 : 1))
    .map((k) => ({ keyid: k.keyid, algorithm: k.algorithm, roles: [...k.roles].sort(), nodes: [...k.nodes].sort() }));
  return new TextEncoder().encode(`${JSON.stringify({ version: 1, keys }, null, 2)}\n`);
}

/** The entry allowing `keyid` to act in `role` (for `node`, when given), or undefined. */
export function signerFor(signers: Signers, keyid: string, role: SignerRole, node?: string): SignerEntry | undefined {
  return signers.keys.find(
    (entry) =>
      entry.keyid === keyid && entry.roles.includes(role) && (node === undefined || entry.nodes.includes('*') || entry.nodes.includes(node)),
  );
}
