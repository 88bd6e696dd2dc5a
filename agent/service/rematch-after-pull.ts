/**
 * After a pull that brought new feeds, VEX or policy: re-match every target in the scan
 * cache (no image is read; agent/scan/rematch.ts) and commit a new signed
 * report only for targets whose findings changed and which already have a
 * report on this node's branch (a target only ever scanned without
 * `commit` stays uncommitted).
 *
 * @example
 *   await rematchAfterPull({ repo, node, cacheDir, signer, log });
 */
import { describeError } from '../../core/errors.js';
import { agentBranch, REPORT_FILE, reportFolder } from '../../core/report/layout.js';
import type { SigningKey } from '../../core/sign/keys.js';
import type { Logger } from '../log.js';
import type { StateRepo } from '../repo/state-repo.js';
import { commitReport } from '../scan/commit-report.js';
import { rematchCached } from '../scan/rematch.js';
import { scanCacheFor } from './scan-cache-handle.js';

export interface RematchDeps {
  repo: StateRepo;
  node: string;
  cacheDir: string;
  signer: () => Promise<{ node: string; key: SigningKey }>;
  log: Logger;
}

/** What a re-match did: targets re-matched, changed, and reports committed. */
export interface RematchSummary {
  targets: number;
  changed: number;
  committed: string[];
}

/** See the module comment. */
export async function rematchAfterPull(deps: RematchDeps): Promise<RematchSummary> {
  const cache = await scanCacheFor(deps.cacheDir);
  const results = await rematchCached(cache, deps.repo);
  const changed = results.filter((result) => result.changed);
  const summary: RematchSummary = { targets: results.length, changed: changed.length, committed: [] };
  const tip = await deps.repo.store.branchTip(agentBranch(deps.node));
  for (const result of changed) {
    const folder = reportFolder(deps.node, result.outcome.report.target.name);
    if (tip === undefined || (await deps.repo.store.readFile(tip, `${folder}/${REPORT_FILE}`)) === undefined) continue;
    try {
      const committed = await commitReport(deps.repo, result.outcome, await deps.signer());
      if (committed.changed) summary.committed.push(committed.folder);
    } catch (error) {
      deps.log.error(`re-match of ${result.target}: the new report could not be committed: ${describeError(error)}`, { target: result.target });
    }
  }
  deps.log.info(`feeds, VEX or policy changed: re-matched ${summary.targets} cached targets, ${summary.changed} with new findings, ${summary.committed.length} reports committed`, { ...summary });
  return summary;
}
