/**
 * Before a report is signed and committed: is this clone's key enrolled, in
 * the repository's trust root, for the node the report would be committed
 * as? If not, `stella verify` would reject the report later, far from the
 * cause; refusing now can name the exact command that fixes it.
 *
 * @example
 *   await assertEnrolled(repo, { node: 'edge-1', key, home });
 */
import { StellaError } from '../../core/errors.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { trustedKeyIds } from '../../core/trust/lookup.js';
import { parseRoot, ROOT_PATH } from '../../core/trust/root.js';
import { savePublicKey } from './keystore.js';
import { MAIN_BRANCH, type StateRepo } from './state-repo.js';

/**
 * Throws KEY_NOT_ENROLLED, with the `stella trust enroll` command to run,
 * unless `key` may sign reports for `node` under trust/root.json on main.
 * The public key is saved under `home` so that command can be run as printed.
 * @example await assertEnrolled(repo, { node, key, home: ctx.home() });
 */
export async function assertEnrolled(repo: StateRepo, options: { node: string; key: SigningKey; home: string }): Promise<void> {
  const { node, key } = options;
  // Same fallback as openStateRepo: a CI checkout may have HEAD and no local main.
  const tip = (await repo.store.branchTip(MAIN_BRANCH)) ?? (await repo.store.resolve('HEAD'));
  const bytes = tip === undefined ? undefined : await repo.store.readFile(tip, ROOT_PATH);
  if (bytes === undefined) throw new StellaError('REPO_INVALID', `${repo.dir}: no ${ROOT_PATH} on ${MAIN_BRANCH}; a repository made by \`stella init\` has one`);
  const root = parseRoot(bytes, `${MAIN_BRANCH}:${ROOT_PATH}`);
  if (trustedKeyIds(root, 'reports', node).includes(key.keyId)) return;
  const elsewhere = Object.entries(root.signed.nodes)
    .filter(([, entry]) => entry.keyids.includes(key.keyId))
    .map(([name]) => name)
    .sort();
  const pem = await savePublicKey(options.home, key);
  throw new StellaError(
    'KEY_NOT_ENROLLED',
    `signing key ${key.keyId.slice(0, 12)}… is not enrolled for node ${node} in ${ROOT_PATH} on ${MAIN_BRANCH}, so \`stella verify\` would reject this report` +
      (elsewhere.length > 0 ? ` (it is enrolled for ${elsewhere.map((n) => `node ${n}`).join(', ')}: pass --node ${elsewhere[0] as string})` : '') +
      `; to enroll it, an admin runs: stella trust enroll --node ${node} --key ${pem}`,
    { data: { node, keyId: key.keyId, publicKeyFile: pem } },
  );
}
