/**
 * The one way a command moves a local ref to a commit that came from
 * outside (a remote, a bundle, a kit, a replay): admission first
 * (`core/admission`), then the work tree when the ref is checked out, then
 * the ref itself — so a refusal leaves refs, index and work tree exactly as
 * they were, and a ref never points at a commit the work tree does not show.
 *
 * @example
 *   const { leftAlone } = await moveAdmitted(repo, { ref: 'refs/heads/main', from: localMain, to: fetched }, { source: `remote ${url}` });
 */
import { admitRefMove, type Admission, type AdmissionOptions, type RefMove } from '../../core/admission/admit.js';
import { StellaError } from '../../core/errors.js';
import type { GitStore } from '../../core/git/git-store.js';
import { commitChangeIds } from '../../core/git/tree-diff.js';
import type { StateRepo } from './state-repo.js';
import { syncWorktree } from './worktree.js';

export interface AdmittedMove {
  admission: Admission;
  /** Set when the ref is checked out: files the move changed, and those left alone because they had local edits. */
  worktree: { branch: string; changed: number; leftAlone: string[] } | undefined;
}

/**
 * Admits `move`, brings the work tree along if the ref is checked out, then
 * moves the ref if it is still at `move.from` (compare-and-swap).
 * Throws VERIFY_FAILED (refused) or REPO_INVALID (moved meanwhile), changing nothing.
 */
export async function moveAdmitted(repo: StateRepo, move: RefMove, options: AdmissionOptions = {}): Promise<AdmittedMove> {
  const admission = await admitRefMove(repo.store, move, options);
  return { admission, worktree: await applyAdmitted(repo, move) };
}

/**
 * The second half of `moveAdmitted`, for a caller that admitted several
 * moves first (so one refusal stops them all): work tree, then the ref.
 */
export async function applyAdmitted(repo: StateRepo, move: RefMove): Promise<AdmittedMove['worktree']> {
  await expectAt(repo.store, move.ref, move.from);
  let worktree: AdmittedMove['worktree'];
  const head = await repo.store.currentBranch();
  if (head === move.ref && move.ref.startsWith('refs/heads/')) {
    const branch = move.ref.slice('refs/heads/'.length);
    const changes = await commitChangeIds(repo.store, move.from, move.to);
    const leftAlone = await syncWorktree(repo, branch, move.from, changes);
    worktree = { branch, changed: changes.size, leftAlone };
  }
  await expectAt(repo.store, move.ref, move.from);
  await repo.store.writeRef(move.ref, move.to);
  return worktree;
}

async function expectAt(store: GitStore, ref: string, expected: string | undefined): Promise<void> {
  const current = await store.readRef(ref);
  if (current === expected) return;
  throw new StellaError('REPO_INVALID', `${ref} moved to ${current?.slice(0, 12) ?? '(deleted)'} meanwhile; nothing was changed, run the command again`, {
    data: { ref, expected, actual: current },
  });
}
