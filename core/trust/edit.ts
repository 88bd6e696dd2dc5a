/**
 * Changes people make to a trust root: enrol a node's report key, revoke a
 * key, rotate the keys of a role, renew the expiry. Each returns a new
 * `signed` body; versioning and signatures are `stage.ts`'s job.
 *
 * @example
 *   const next = await applyEdits(current.signed, [{ $case: 'enroll', node: 'edge-2', publicKey: pem }]);
 */
import { StellaError } from '../errors.js';
import { exportPublicKeyPem, importPublicKeyPem, keyId } from '../sign/keys.js';
import { KEY_ALGORITHM, normalizeSigned, ROLE_NAMES, type RoleName, type RootSigned } from './root.js';

export type TrustEdit =
  /** Let `publicKey` sign reports for `node`. */
  | { $case: 'enroll'; node: string; publicKey: string }
  /** Remove a key from every node and role; its reports committed before this version stay valid. */
  | { $case: 'revoke'; keyid: string }
  /** Add and remove keys of a role, and optionally set its threshold. */
  | { $case: 'rotate'; role: RoleName; add: string[]; remove: string[]; threshold?: number | undefined }
  /** No change but a new version with a later expiry. */
  | { $case: 'renew' };

/**
 * Applies `edits` in order to a copy of `signed` (version and expiry untouched).
 * Throws USAGE with what to do when an edit cannot apply.
 * @example await applyEdits(signed, [{ $case: 'revoke', keyid }])
 */
export async function applyEdits(signed: RootSigned, edits: readonly TrustEdit[]): Promise<RootSigned> {
  let out = normalizeSigned(signed);
  for (const edit of edits) out = normalizeSigned(await applyEdit(out, edit));
  return out;
}

/**
 * A short description of an edit, for commit messages.
 * @example describeEdit({ $case: 'revoke', keyid }) // 'revoke key 4cb32c4837c6'
 */
export function describeEdit(edit: TrustEdit): string {
  switch (edit.$case) {
    case 'enroll':
      return `enroll a report key for node ${edit.node}`;
    case 'revoke':
      return `revoke key ${edit.keyid.slice(0, 12)}`;
    case 'rotate': {
      const parts = [...(edit.add.length > 0 ? [`add ${edit.add.length} key${edit.add.length === 1 ? '' : 's'}`] : []), ...edit.remove.map((id) => `remove ${id.slice(0, 12)}`)];
      if (edit.threshold !== undefined) parts.push(`threshold ${edit.threshold}`);
      return `rotate ${edit.role} keys (${parts.join(', ')})`;
    }
    case 'renew':
      return 'renew';
    default:
      return unknownEdit(edit);
  }
}

async function applyEdit(signed: RootSigned, edit: TrustEdit): Promise<RootSigned> {
  switch (edit.$case) {
    case 'enroll': {
      const { keyid, pem } = await readPublicKey(edit.publicKey);
      const node = signed.nodes[edit.node];
      if (node?.keyids.includes(keyid)) throw new StellaError('USAGE', `key ${keyid.slice(0, 12)}… is already enrolled for node ${edit.node}`);
      return {
        ...signed,
        keys: { ...signed.keys, [keyid]: { algorithm: KEY_ALGORITHM, publicKey: pem } },
        nodes: { ...signed.nodes, [edit.node]: { keyids: [...(node?.keyids ?? []), keyid] } },
      };
    }
    case 'revoke': {
      if (signed.keys[edit.keyid] === undefined) throw new StellaError('USAGE', `key ${edit.keyid} is not in the trust root; \`stella trust show\` lists the keys`);
      let out: RootSigned = { ...signed, nodes: {} };
      for (const [name, node] of Object.entries(signed.nodes)) {
        const keyids = node.keyids.filter((id) => id !== edit.keyid);
        // A node left without keys is simply no longer enrolled.
        if (keyids.length > 0) out.nodes[name] = { keyids };
      }
      for (const role of ROLE_NAMES) {
        if (signed.roles[role].keyids.includes(edit.keyid)) out = removeFromRole(out, role, edit.keyid, signed.roles[role].threshold);
      }
      return dropUnusedKeys(out);
    }
    case 'rotate': {
      let out = signed;
      const role = { ...out.roles[edit.role] };
      for (const pem of edit.add) {
        const key = await readPublicKey(pem);
        if (role.keyids.includes(key.keyid)) throw new StellaError('USAGE', `key ${key.keyid.slice(0, 12)}… already holds the ${edit.role} role`);
        out = { ...out, keys: { ...out.keys, [key.keyid]: { algorithm: KEY_ALGORITHM, publicKey: key.pem } } };
        role.keyids = [...role.keyids, key.keyid];
      }
      for (const keyid of edit.remove) {
        if (!role.keyids.includes(keyid)) throw new StellaError('USAGE', `key ${keyid} does not hold the ${edit.role} role; \`stella trust show\` lists who does`);
        role.keyids = role.keyids.filter((id) => id !== keyid);
      }
      role.threshold = edit.threshold ?? role.threshold;
      if (edit.add.length === 0 && edit.remove.length === 0 && edit.threshold === undefined) throw new StellaError('USAGE', `rotate ${edit.role}: nothing to change; give --add, --remove or --threshold`);
      if (role.keyids.length === 0) throw new StellaError('USAGE', `rotate ${edit.role}: the role would have no keys left; --add a key before removing the last one`);
      if (!Number.isSafeInteger(role.threshold) || role.threshold < 1 || role.threshold > role.keyids.length) {
        throw new StellaError('USAGE', `rotate ${edit.role}: threshold ${role.threshold} needs 1 to ${role.keyids.length} keys (the keys the role would hold)`);
      }
      return dropUnusedKeys({ ...out, roles: { ...out.roles, [edit.role]: role } });
    }
    case 'renew':
      return signed;
    default:
      return unknownEdit(edit);
  }
}

function removeFromRole(signed: RootSigned, role: RoleName, keyid: string, threshold: number): RootSigned {
  const keyids = signed.roles[role].keyids.filter((id) => id !== keyid);
  if (keyids.length < threshold) {
    throw new StellaError(
      'USAGE',
      `key ${keyid.slice(0, 12)}… is one of ${keyids.length + 1} ${role} keys with threshold ${threshold}; ` +
        `use \`stella trust rotate --role ${role} --remove ${keyid}\`${keyids.length === 0 ? ' with --add for its replacement' : ' with a lower --threshold'}`,
    );
  }
  return { ...signed, roles: { ...signed.roles, [role]: { keyids, threshold } } };
}

function dropUnusedKeys(signed: RootSigned): RootSigned {
  const used = new Set([...ROLE_NAMES.flatMap((r) => signed.roles[r].keyids), ...Object.values(signed.nodes).flatMap((n) => n.keyids)]);
  return { ...signed, keys: Object.fromEntries(Object.entries(signed.keys).filter(([id]) => used.has(id))) };
}

/** The key id and the PEM as Web Crypto re-exports it, so one key is always written the same way. */
async function readPublicKey(pem: string): Promise<{ keyid: string; pem: string }> {
  const canonical = await exportPublicKeyPem(await importPublicKeyPem(pem));
  return { keyid: await keyId(canonical), pem: canonical };
}

function unknownEdit(edit: never): never {
  throw new StellaError('INTERNAL', `unknown trust edit ${JSON.stringify(edit)}`);
}
