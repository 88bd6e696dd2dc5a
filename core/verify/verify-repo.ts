/**
 * `stella verify`: checks everything signed in a state repository against
 * the threshold-signed trust root (`trust/root.json`) of the trust ref:
 *
 * 1. the root chain in the history of the trust ref and of every branch
 *    checked (`root-history.ts`), and that the current root has not expired;
 * 2. every feed manifest, signed by the `feeds` role, and every feed file
 *    against it; every policy file, signed by the `policies` role;
 * 3. every report on every branch, signed by a key enrolled for its node in
 *    the root that judges it (`trust-state.ts`), with statement subjects
 *    equal to the stored report and SBOM.
 *
 * Each failure names the file (or commit) and the reason; nothing stops at
 * the first one.
 *
 * @example
 *   const result = await verifyRepository(store, { main: 'main', branches: ['agents/edge-1'] });
 *   if (result.failures.length > 0) process.exitCode = 1;
 */
import type { GitStore } from '../git/git-store.js';
import { CommitGraph } from './commits.js';
import { reportFolders, verifyReport } from './reports.js';
import { verifyFeeds, verifyPolicies } from './signed-files.js';
import { loadTrust } from './trust-state.js';
import type { VerifyOptions, VerifyResult } from './types.js';

export type { VerifyFailure, VerifyOptions, VerifyResult } from './types.js';

/**
 * Verifies the trust root chain, feeds, policies and every report on `branches`.
 * @example const { failures } = await verifyRepository(store, { main: 'origin/main', branches: ['HEAD'] });
 */
export async function verifyRepository(store: GitStore, options: VerifyOptions): Promise<VerifyResult> {
  const result: VerifyResult = { reports: 0, manifests: 0, policies: 0, failures: [] };
  const mainTip = await store.resolve(options.main);
  if (mainTip === undefined) {
    result.failures.push({ where: options.main, reason: 'ref not found' });
    return result;
  }
  const graph = new CommitGraph(store);
  const trust = await loadTrust(graph, options.main, mainTip, options.now ?? new Date(), result.failures);
  if (trust === undefined) return result;

  await verifyFeeds(store, mainTip, options.main, trust, result);
  await verifyPolicies(store, mainTip, options.main, trust, result);
  const seen = new Set<string>();
  // The trust ref first: a report it shares with a branch is judged as the merged report it is.
  const others = [...new Set(options.branches)].filter((b) => b !== options.main).sort();
  for (const branch of [options.main, ...others]) {
    const tip = await store.resolve(branch);
    if (tip === undefined) {
      result.failures.push({ where: branch, reason: 'ref not found' });
      continue;
    }
    await trust.history.check(branch, tip);
    for (const folder of await reportFolders(store, tip)) {
      const files = await store.listFolder(tip, folder);
      const key = `${folder}:${files.map((f) => f.oid).join(',')}`;
      if (seen.has(key)) continue; // the same report reached through another branch
      seen.add(key);
      result.reports += 1;
      await verifyReport(store, tip, branch, folder, trust, result.failures);
    }
  }
  return result;
}
