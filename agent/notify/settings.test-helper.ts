/**
 * Commits a new stella.yaml to main with its `.jws`, signed by a key of the
 * `policies` role (the one `stella init` made): notify routes are read only
 * from a signed stella.yaml.
 */
import { signDetachedJws } from '../../core/sign/jws.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { AGENT_IDENTITY, MAIN_BRANCH, SETTINGS_PATH, type StateRepo } from '../repo/state-repo.js';

/** Appends `extra` to main's stella.yaml and commits it signed with `key` (unsigned when `key` is undefined). */
export async function appendToSettings(repo: StateRepo, extra: string, key: SigningKey | undefined): Promise<void> {
  const tip = await repo.store.branchTip(MAIN_BRANCH);
  const current = new TextDecoder().decode(await repo.store.readFile(tip ?? '', SETTINGS_PATH));
  const bytes = new TextEncoder().encode(current + extra);
  const changes = new Map([[SETTINGS_PATH, bytes]]);
  if (key !== undefined) changes.set(`${SETTINGS_PATH}.jws`, new TextEncoder().encode(`${await signDetachedJws(bytes, key)}\n`));
  await repo.store.commit({ branch: MAIN_BRANCH, changes, message: 'stella.yaml for a test', author: AGENT_IDENTITY });
}
