/**
 * Which refs `stella verify` checks by default: every local branch, and the
 * remote-tracking `agents/*` branches a clone holds. A plain `git clone`
 * (of a served repository or of a bundle) has only `main` as a local branch;
 * the nodes' reports sit under `refs/remotes/origin/agents/*`, and a verify
 * that skipped them would check nothing and still say "verified".
 *
 * @example
 *   const { refs, skipped } = await defaultVerifyRefs(repo.store);
 *   // refs: ['agents/edge-1', 'main', 'origin/agents/edge-2'], remote: ['origin/agents/edge-2'],
 *   // skipped: [{ ref: 'origin/agents/edge-1', sameAs: 'agents/edge-1' }]
 */
import type { GitStore } from '../../core/git/git-store.js';

/** Remotes whose tracking branches are read: git's clone default, and `stella sync import --as-remote`. */
export const TRACKED_REMOTES: readonly string[] = ['origin', 'bundle'];

const AGENT_PREFIX = 'agents/';

/** The refs to verify, and the remote-tracking ones left out because a local branch (or an earlier one) has the same tip. */
export interface VerifyRefs {
  /** Every ref to check: the local branches, then `remote`. */
  refs: string[];
  /** The remote-tracking branches among `refs` (`origin/agents/edge-2`). */
  remote: string[];
  skipped: { ref: string; sameAs: string }[];
}

/**
 * Local branches, then each remote-tracking `agents/*` branch whose tip no
 * ref before it has (its reports would be checked twice otherwise).
 * @example await defaultVerifyRefs(store) // { refs: ['main', 'origin/agents/edge-1'], remote: ['origin/agents/edge-1'], skipped: [] }
 */
export async function defaultVerifyRefs(store: GitStore): Promise<VerifyRefs> {
  const local = await store.listBranches();
  const remote: string[] = [];
  const tips = new Map<string, string>();
  for (const branch of local) {
    const tip = await store.resolve(`refs/heads/${branch}`);
    if (tip !== undefined && !tips.has(tip)) tips.set(tip, branch);
  }
  const skipped: VerifyRefs['skipped'] = [];
  for (const name of TRACKED_REMOTES) {
    const branches = (await store.listBranches(name)).filter((b) => b.startsWith(AGENT_PREFIX)).sort();
    for (const branch of branches) {
      const ref = `${name}/${branch}`;
      const tip = await store.resolve(`refs/remotes/${ref}`);
      if (tip === undefined) continue;
      const sameAs = tips.get(tip);
      if (sameAs !== undefined) {
        skipped.push({ ref, sameAs });
        continue;
      }
      tips.set(tip, ref);
      remote.push(ref);
    }
  }
  return { refs: [...local, ...remote], remote, skipped };
}
