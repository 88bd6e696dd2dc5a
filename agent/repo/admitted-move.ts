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
    const changes = await changedFiles(repo.store, move.from, move.to);
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

interface Entry {
  type: string;
  oid: string;
}

/**
 * Files that differ between two commits: new content, or null when the file
 * is gone. Subtrees with the same id are skipped without being read.
 * @example await changedFiles(repo.store, oldTip, newTip) // Map { 'findings/n1/app/report.json' => bytes }
 */
export async function changedFiles(store: GitStore, from: string | undefined, to: string): Promise<Map<string, Uint8Array | null>> {
  const changes = new Map<string, Uint8Array | null>();
  const entries = async (tree: string | undefined): Promise<Map<string, Entry>> => {
    if (tree === undefined) return new Map();
    const items = await store.readTree(tree);
    return new Map(items.map((item) => [item.path, { type: item.type, oid: item.oid }]));
  };
  const visit = async (prefix: string, before: string | undefined, after: string | undefined): Promise<void> => {
    const [a, b] = await Promise.all([entries(before), entries(after)]);
    for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const was = a.get(name);
      const now = b.get(name);
      if (was?.oid === now?.oid && was?.type === now?.type) continue;
      const path = `${prefix}${name}`;
      // Deletions first, so a file that becomes a folder (or the reverse) is out of the way.
      if (was?.type === 'blob' && now?.type !== 'blob') changes.set(path, null);
      if (was?.type === 'tree' || now?.type === 'tree') {
        await visit(`${path}/`, was?.type === 'tree' ? was.oid : undefined, now?.type === 'tree' ? now.oid : undefined);
      }
      if (now?.type === 'blob') changes.set(path, await store.readBlob(now.oid));
    }
  };
  await visit('', from === undefined ? undefined : await store.treeOf(from), await store.treeOf(to));
  return changes;
}
