/**
 * What a node's branch already holds for one target, for the next signed
 * statement about it: the sequence it must continue from, and whether the
 * stored report still verifies (an unchanged report keeps its signature
 * only then — a replaced signature or an edited file is re-signed).
 *
 * @example
 *   const next = await nextSequence(repo.store, ['agents/edge-1', 'main'], folder);
 */
import { peekClaim } from '../../core/report/claim.js';
import { BUNDLE_FILE, RETIREMENT_FILE } from '../../core/report/layout.js';
import type { GitStore } from '../../core/git/git-store.js';
import { trustedKeyLookup } from '../../core/trust/lookup.js';
import { checkReportFolder } from '../../core/verify/report-folder.js';
import { currentTrustRoot } from '../../core/verify/trust-state.js';
import { MAIN_BRANCH } from '../repo/state-repo.js';

/**
 * 1 + the highest sequence the folder holds at the tip of any of `branches`
 * (1 for a new target), so a node's branch that is behind main still moves forward.
 * @example await nextSequence(store, ['agents/edge-1', 'main'], 'findings/edge-1/app') // 4
 */
export async function nextSequence(store: GitStore, branches: string[], folder: string): Promise<number> {
  let highest = 0;
  for (const branch of branches) {
    const tip = await store.branchTip(branch);
    if (tip === undefined) continue;
    for (const file of [BUNDLE_FILE, RETIREMENT_FILE]) {
      const bytes = await store.readFile(tip, `${folder}/${file}`);
      const peeked = bytes === undefined ? undefined : await peekClaim(bytes);
      if (peeked !== undefined) highest = Math.max(highest, peeked.claim.sequence);
    }
  }
  return highest + 1;
}

/**
 * True when the folder at `commit` verifies completely against main's
 * current trust root (signature by an enrolled key of its node, exactly
 * the files its statement names, node and target in place).
 * @example if (await folderVerifies(store, tip, folder)) return; // keep it
 */
export async function folderVerifies(store: GitStore, commit: string, folder: string): Promise<boolean> {
  try {
    const root = await currentTrustRoot(store, MAIN_BRANCH);
    const entries = await store.listFolder(commit, folder);
    const blobs = new Map<string, Uint8Array>();
    for (const entry of entries) if (entry.type === 'blob') blobs.set(entry.path, await store.readBlob(entry.oid));
    const node = folder.split('/')[1] as string;
    const { problems, claim } = await checkReportFolder(
      folder,
      { blobs, folders: entries.filter((e) => e.type !== 'blob').map((e) => e.path) },
      { publicKeys: trustedKeyLookup(root, 'reports', node), untrusted: () => 'not enrolled' },
    );
    return problems.length === 0 && claim?.kind === 'report';
  } catch {
    // No verifiable root or an unreadable folder: sign afresh rather than keep what cannot be checked.
    return false;
  }
}

/** Paths of the folder at `commit` that a new statement will not name, to delete with the commit. */
export async function leftovers(store: GitStore, commit: string | undefined, folder: string, keep: readonly string[]): Promise<string[]> {
  if (commit === undefined) return [];
  return (await store.listFolder(commit, folder)).filter((e) => !keep.includes(e.path)).map((e) => `${folder}/${e.path}`);
}
