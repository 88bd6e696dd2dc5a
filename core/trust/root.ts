/**
 * `trust/root.json`: the threshold-signed trust root of a state repository.
 * It names every public key, which keys hold the `root`, `feeds` and
 * `policies` roles (with how many of them must sign), and which keys may
 * sign reports for each node. A new version is valid only when signed by
 * enough root keys of the version before it and of itself (`rules.ts`).
 *
 *     { "signed": { "type": "stella.root/v1", "version": 2, "expires": "2026-05-01T00:00:00Z",
 *                   "keys":  { "<keyid>": { "algorithm": "ecdsa-p256-sha256", "publicKey": "-----BEGIN PUBLIC KEY-----…" } },
 *                   "roles": { "root": { "keyids": […], "threshold": 1 }, "feeds": {…}, "policies": {…} },
 *                   "nodes": { "edge-1": { "keyids": […] } } },
 *       "signatures": [ { "keyid": "<keyid>", "sig": "<base64 DER ECDSA over canonicalJson(signed)>" } ] }
 *
 * The file is written in one readable form (sorted keys, two-space indent,
 * final newline) and parsing insists on it: a duplicated JSON key or a
 * reformatted file could otherwise show a reviewer one thing while the
 * parser reads another.
 *
 * @example
 *   const root = parseRoot(bytes, 'main:trust/root.json');
 *   root.signed.roles.feeds.keyids // ['4cb32c48…']
 */
import { parseUntrustedJson } from '../json/untrusted.js';
import { StellaError } from '../errors.js';
import { sortedJson } from '../json/sorted.js';
import { canonicalJsonBytes, type JsonObject } from '../sign/canonical-json.js';

export const ROOT_PATH = 'trust/root.json';
/** A proposed next version collecting signatures; never trusted by `stella verify`. */
export const PENDING_ROOT_PATH = 'trust/root.pending.json';
export const ROOT_TYPE = 'stella.root/v1';
export const KEY_ALGORITHM = 'ecdsa-p256-sha256';

/** Roles whose keys are listed with a threshold; report keys are listed per node instead. */
export type RoleName = 'root' | 'feeds' | 'policies';
export const ROLE_NAMES: readonly RoleName[] = ['feeds', 'policies', 'root'];

export interface RootKey {
  algorithm: typeof KEY_ALGORITHM;
  /** SPKI PEM; its key id (SHA-256 of the SPKI DER) must equal the map key. */
  publicKey: string;
}

export interface RoleKeys {
  keyids: string[];
  /** How many distinct keys of `keyids` must sign. */
  threshold: number;
}

export interface NodeKeys {
  keyids: string[];
}

export interface RootSigned {
  type: typeof ROOT_TYPE;
  version: number;
  /** RFC 3339 UTC, whole seconds: `2026-05-01T00:00:00Z`. */
  expires: string;
  keys: Record<string, RootKey>;
  roles: Record<RoleName, RoleKeys>;
  nodes: Record<string, NodeKeys>;
}

export interface RootSignature {
  keyid: string;
  /** Standard base64 of an ASN.1 DER ECDSA P-256 signature over {@link signedBytes}. */
  sig: string;
}

export interface TrustRoot {
  signed: RootSigned;
  signatures: RootSignature[];
}

const KEYID = /^[0-9a-f]{64}$/;
/** The node names `stella` accepts (see agent/config.ts), so every node can be enrolled. */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/**
 * Whether `name` can be a node of the trust root (and so of the edge).
 * @example isNodeName('edge-1') // true
 */
export function isNodeName(name: string): boolean {
  return NODE_NAME.test(name) && !name.includes('..');
}
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * Parses and checks the structure of a root file (not its signatures: see
 * `rules.ts`). Throws REPO_INVALID naming `where` and the problem.
 * @example const root = parseRoot(await store.readFile(tip, ROOT_PATH), `main:${ROOT_PATH}`);
 */
export function parseRoot(bytes: Uint8Array, where: string = ROOT_PATH): TrustRoot {
  let value: unknown;
  try {
    value = parseUntrustedJson(where, new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new StellaError('JSON_INVALID', `${where}: not valid UTF-8 JSON (${(error as Error).message})`);
  }
  const fail = (problem: string): never => {
    throw new StellaError('REPO_INVALID', `${where}: ${problem}`);
  };
  const doc = record(value) ?? fail('expected an object with "signed" and "signatures"');
  onlyKeys(doc, ['signed', 'signatures'], '', fail);
  const signed = readSigned(record(doc['signed']) ?? fail('"signed" must be an object'), fail);
  const list = doc['signatures'];
  if (!Array.isArray(list)) return fail('"signatures" must be a list');
  const signatures = list.map((item: unknown, i): RootSignature => {
    const s = record(item) ?? fail(`signatures[${i}] must be an object`);
    onlyKeys(s, ['keyid', 'sig'], `signatures[${i}].`, fail);
    if (typeof s['keyid'] !== 'string' || !KEYID.test(s['keyid'])) fail(`signatures[${i}].keyid must be 64 hex digits`);
    if (typeof s['sig'] !== 'string' || s['sig'] === '') fail(`signatures[${i}].sig must be base64 text`);
    return { keyid: s['keyid'] as string, sig: s['sig'] as string };
  });
  const ids = signatures.map((s) => s.keyid);
  if (new Set(ids).size !== ids.length) fail('two signatures by the same key');
  const root = { signed, signatures };
  if (!sameBytes(formatRoot(root), bytes)) fail('not in canonical form (sorted keys, two-space indent, final newline); rewrite it with `stella trust` rather than by hand');
  return root;
}

function readSigned(s: Record<string, unknown>, fail: (problem: string) => never): RootSigned {
  onlyKeys(s, ['type', 'version', 'expires', 'keys', 'roles', 'nodes'], 'signed.', fail);
  if (s['type'] !== ROOT_TYPE) fail(`signed.type must be "${ROOT_TYPE}"`);
  const version = s['version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) return fail('signed.version must be a whole number from 1');
  const expires = s['expires'];
  if (typeof expires !== 'string' || !RFC3339_UTC.test(expires) || Number.isNaN(Date.parse(expires))) {
    return fail('signed.expires must be an RFC 3339 UTC time like 2026-05-01T00:00:00Z');
  }
  const keys: Record<string, RootKey> = {};
  for (const [keyid, entry] of Object.entries(record(s['keys']) ?? fail('signed.keys must be an object'))) {
    if (!KEYID.test(keyid)) fail(`signed.keys: "${keyid}" is not a key id (64 hex digits)`);
    const k = record(entry) ?? fail(`signed.keys.${keyid} must be an object`);
    onlyKeys(k, ['algorithm', 'publicKey'], `signed.keys.${keyid}.`, fail);
    if (k['algorithm'] !== KEY_ALGORITHM) fail(`signed.keys.${keyid}.algorithm must be ${KEY_ALGORITHM}`);
    if (typeof k['publicKey'] !== 'string' || !k['publicKey'].includes('-----BEGIN PUBLIC KEY-----')) fail(`signed.keys.${keyid}.publicKey must be an SPKI PEM`);
    keys[keyid] = { algorithm: KEY_ALGORITHM, publicKey: k['publicKey'] as string };
  }
  const used = new Set<string>();
  const keyList = (value: unknown, path: string): string[] => {
    if (!Array.isArray(value) || value.length === 0) return fail(`${path} must list at least one key id`);
    const ids = value.map((id: unknown) => (typeof id === 'string' && keys[id] !== undefined ? id : fail(`${path} names ${JSON.stringify(id)}, which is not in signed.keys`)));
    if (new Set(ids).size !== ids.length) fail(`${path} lists a key twice`);
    ids.forEach((id) => used.add(id));
    return ids;
  };
  const rolesIn = record(s['roles']) ?? fail('signed.roles must be an object');
  onlyKeys(rolesIn, ROLE_NAMES, 'signed.roles.', fail);
  const roles = {} as Record<RoleName, RoleKeys>;
  for (const name of ROLE_NAMES) {
    const r = record(rolesIn[name]) ?? fail(`signed.roles.${name} is missing`);
    onlyKeys(r, ['keyids', 'threshold'], `signed.roles.${name}.`, fail);
    const keyids = keyList(r['keyids'], `signed.roles.${name}.keyids`);
    const threshold = r['threshold'];
    if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 1 || threshold > keyids.length) {
      fail(`signed.roles.${name}.threshold must be a whole number from 1 to ${keyids.length} (the keys it lists)`);
    }
    roles[name] = { keyids, threshold: threshold as number };
  }
  const nodes: Record<string, NodeKeys> = {};
  for (const [node, entry] of Object.entries(record(s['nodes']) ?? fail('signed.nodes must be an object'))) {
    if (!NODE_NAME.test(node) || node.includes('..')) fail(`signed.nodes: "${node}" is not a node name`);
    const n = record(entry) ?? fail(`signed.nodes.${node} must be an object`);
    onlyKeys(n, ['keyids'], `signed.nodes.${node}.`, fail);
    nodes[node] = { keyids: keyList(n['keyids'], `signed.nodes.${node}.keyids`) };
  }
  // An unused key is either a leftover of a revocation or a typo: both deserve a look.
  const unused = Object.keys(keys).filter((id) => !used.has(id));
  if (unused.length > 0) fail(`signed.keys.${unused[0] as string} is used by no role and no node; remove it`);
  return { type: ROOT_TYPE, version, expires, keys, roles, nodes };
}

/**
 * The bytes every root signature covers: canonical JSON (RFC 8785 style) of `signed`.
 * @example await crypto.subtle.verify(alg, key, sig, signedBytes(root.signed))
 */
export function signedBytes(signed: RootSigned): Uint8Array<ArrayBuffer> {
  return canonicalJsonBytes(signedJson(signed));
}

/**
 * The one file form of a root: sorted keys, two-space indent, final
 * newline; key id lists and signatures sorted so equal roots are equal bytes.
 * @example await writeFile('trust/root.json', formatRoot(root));
 */
export function formatRoot(root: TrustRoot): Uint8Array<ArrayBuffer> {
  const signatures = [...root.signatures].sort((a, b) => compare(a.keyid, b.keyid)).map((s) => ({ keyid: s.keyid, sig: s.sig }));
  return new TextEncoder().encode(sortedJson({ signed: signedJson(root.signed), signatures }));
}

/**
 * A copy of `signed` with every key id list sorted: the normal form edits produce.
 * @example normalizeSigned({ ...signed, version: signed.version + 1 })
 */
export function normalizeSigned(signed: RootSigned): RootSigned {
  const sortIds = (ids: readonly string[]): string[] => [...new Set(ids)].sort(compare);
  const roles = {} as Record<RoleName, RoleKeys>;
  for (const name of ROLE_NAMES) roles[name] = { keyids: sortIds(signed.roles[name].keyids), threshold: signed.roles[name].threshold };
  const nodes: Record<string, NodeKeys> = {};
  for (const node of Object.keys(signed.nodes).sort(compare)) nodes[node] = { keyids: sortIds((signed.nodes[node] as NodeKeys).keyids) };
  const keys: Record<string, RootKey> = {};
  for (const id of Object.keys(signed.keys).sort(compare)) keys[id] = { ...(signed.keys[id] as RootKey) };
  return { type: ROOT_TYPE, version: signed.version, expires: signed.expires, keys, roles, nodes };
}

/**
 * RFC 3339 UTC at whole seconds, the form `expires` uses.
 * @example rfc3339(new Date(0)) // '1970-01-01T00:00:00Z'
 */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** `signed` as a plain JSON value, so canonicalisation needs no casts. */
function signedJson(signed: RootSigned): JsonObject {
  const keys: JsonObject = {};
  for (const [id, key] of Object.entries(signed.keys)) keys[id] = { algorithm: key.algorithm, publicKey: key.publicKey };
  const roles: JsonObject = {};
  for (const name of ROLE_NAMES) roles[name] = { keyids: [...signed.roles[name].keyids], threshold: signed.roles[name].threshold };
  const nodes: JsonObject = {};
  for (const [node, entry] of Object.entries(signed.nodes)) nodes[node] = { keyids: [...entry.keyids] };
  return { type: signed.type, version: signed.version, expires: signed.expires, keys, roles, nodes };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], path: string, fail: (problem: string) => never): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) fail(`unknown field ${path}${key}`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
