/**
 * Trust-root changes for tests, made the way `stella trust` makes them:
 * staged with `stageRoot`, signed by the given root keys, one commit.
 */
import type { SigningKey } from '../../core/sign/keys.js';
import type { TrustEdit } from '../../core/trust/edit.js';
import { parseRoot, PENDING_ROOT_PATH, rfc3339, ROOT_PATH, type TrustRoot } from '../../core/trust/root.js';
import { stageRoot, type StagedRoot } from '../../core/trust/stage.js';
import { AGENT_IDENTITY, MAIN_BRANCH, type StateRepo } from '../../agent/repo/state-repo.js';

/** The trust root (and pending version) at the tip of a branch. */
export async function rootsAt(repo: StateRepo, branch = MAIN_BRANCH): Promise<{ current: TrustRoot; pending: TrustRoot | undefined; tip: string }> {
  const tip = (await repo.store.branchTip(branch)) as string;
  const pending = await repo.store.readFile(tip, PENDING_ROOT_PATH);
  return {
    current: parseRoot((await repo.store.readFile(tip, ROOT_PATH)) as Uint8Array),
    pending: pending === undefined ? undefined : parseRoot(pending, PENDING_ROOT_PATH),
    tip,
  };
}

/** Stages `edits`, signs with each of `signers` in turn, and commits the result on `branch` in one commit. */
export async function commitTrustChange(repo: StateRepo, edits: TrustEdit[], signers: SigningKey[], branch = MAIN_BRANCH): Promise<StagedRoot & { commit: string }> {
  const { current, pending, tip } = await rootsAt(repo, branch);
  const expires = rfc3339(new Date(Date.now() + 365 * 86_400_000));
  let staged = await stageRoot({ current, pending, edits, signer: signers[0], expires });
  for (const signer of signers.slice(1)) {
    if (staged.complete) break;
    staged = await stageRoot({ current, pending: staged.root, edits: [], signer });
  }
  const result = await repo.store.commit({ branch, parent: tip, changes: staged.changes, message: staged.summary, author: AGENT_IDENTITY });
  return { ...staged, commit: result.oid };
}
