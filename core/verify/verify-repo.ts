/**
 * `stella verify`: checks everything signed in a state repository against
 * the threshold-signed trust root (`trust/root.json`) of the trust ref.
 * Every ref it verifies is checked completely, the trust ref first:
 *
 * 1. the root chain in its history (`root-history.ts`), and that the trust
 *    ref's current root has not expired;
 * 2. every feed: manifest signed by the `feeds` role, exactly the files it
 *    lists, each with its SHA-256 (`feed-files.ts`);
 * 3. every file the `policies` role signs — `policies/`, `vex/`,
 *    `exceptions/`, `stella.yaml` (`signed-files.ts`);
 * 4. every report folder, signed by a key enrolled for its node in the root
 *    that judges it (`trust-state.ts`), holding exactly the files its
 *    statement names, in its own node's and target's folder
 *    (`report-folder.ts`); no other file under `findings/`;
 * 5. freshness: no report older than one its branch's first-parent line or
 *    the trust ref already held, and none deleted or moved without a signed
 *    retirement (`freshness.ts`).
 *
 * Each failure names the file (or commit) and the reason; nothing stops at
 * the first one.
 *
 * @example
 *   const result = await verifyRepository(store, { main: 'main', branches: ['agents/edge-1'] });
 *   if (result.failures.length > 0) process.exitCode = 1;
 */
import { treeProblem } from '../git/tree-hygiene.js';
import type { GitStore } from '../git/git-store.js';
import { CommitGraph } from './commits.js';
import { verifyFeeds } from './feed-files.js';
import { Freshness } from './freshness.js';
import { findingsLayout, verifyReport } from './reports.js';
import { verifySignedFiles } from './signed-files.js';
import { loadTrust, type TrustState } from './trust-state.js';
import type { VerifyOptions, VerifyResult } from './types.js';

export type { VerifyFailure, VerifyOptions, VerifyResult } from './types.js';

/** What one verification has already judged, so a file shared by several refs is judged once. */
interface Seen {
  feeds: Set<string>;
  signed: Set<string>;
  reports: Set<string>;
}

/**
 * Verifies the trust root chain, then feeds, signed files and reports of the trust ref and every ref in `branches`.
 * @example const { failures } = await verifyRepository(store, { main: 'origin/main', branches: ['HEAD'] });
 */
export async function verifyRepository(store: GitStore, options: VerifyOptions): Promise<VerifyResult> {
  const result: VerifyResult = { reports: 0, manifests: 0, policies: 0, signedFiles: 0, failures: [] };
  const mainTip = await store.resolve(options.main);
  if (mainTip === undefined) {
    result.failures.push({ where: options.main, reason: 'ref not found' });
    return result;
  }
  const graph = new CommitGraph(store);
  const trust = await loadTrust(graph, options.main, mainTip, options.now ?? new Date(), result.failures);
  if (trust === undefined) return result;

  const seen: Seen = { feeds: new Set(), signed: new Set(), reports: new Set() };
  const freshness = new Freshness(store, graph);
  const others = [...new Set(options.branches)].filter((b) => b !== options.main).sort();
  for (const branch of [options.main, ...others]) {
    const tip = await store.resolve(branch);
    if (tip === undefined) {
      result.failures.push({ where: branch, reason: 'ref not found' });
      continue;
    }
    await trust.history.check(branch, tip);
    await verifyRef(store, branch, tip, trust, freshness, seen, result);
  }
  return result;
}

/** Everything at one ref's tip: feeds, signed files, findings, freshness. */
async function verifyRef(store: GitStore, branch: string, tip: string, trust: TrustState, freshness: Freshness, seen: Seen, result: VerifyResult): Promise<void> {
  // A symlink, submodule or `..`/`.git` entry is how a checkout gets written outside itself; nothing here needs one.
  const hostile = await treeProblem(store, [tip]);
  if (hostile !== undefined) {
    result.failures.push({ where: `${branch}:${hostile.path}`, reason: `${hostile.problem}; a state repository holds only plain files and folders` });
    return;
  }
  await verifyFeeds(store, tip, branch, trust, result, seen.feeds);
  await verifySignedFiles(store, tip, branch, trust, result, seen.signed);
  const { folders, strays } = await findingsLayout(store, tip);
  for (const stray of strays) result.failures.push({ where: `${branch}:${stray}`, reason: 'not inside a report folder (findings/<node>/<target>/)' });
  for (const folder of folders) {
    const files = await store.listFolder(tip, folder);
    const key = `${folder}:${files.map((f) => `${f.path}=${f.oid}`).join(',')}`;
    if (seen.reports.has(key)) continue; // the same report reached through another branch is judged the same way
    seen.reports.add(key);
    result.reports += 1;
    await verifyReport(store, tip, branch, folder, trust, result.failures);
  }
  await freshness.check(branch, tip, trust, result.failures);
}
