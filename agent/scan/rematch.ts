/**
 * Re-matching after a feed change: every target in the scan cache is
 * matched again from its cached inventory — no image, file or layer is read
 * — against the state repository's current feeds, and the targets whose
 * findings changed are told apart from those whose did not. The service
 * commits new reports only for the changed ones.
 *
 * @example
 *   const results = await rematchCached(cache, repo);
 *   for (const r of results.filter((r) => r.changed)) await commitReport(repo, r.outcome, signer);
 */
import type { ScanCache } from '../cache/scan-cache.js';
import type { StateRepo } from '../repo/state-repo.js';
import { assembleOutcome, findingsDigest } from './assemble.js';
import type { ScanOutcome } from './assemble.js';
import { openRepoMatcher } from './match-repo.js';

/** One cached target after re-matching. */
export interface RematchResult {
  /** The target as it was scanned (path or registry reference). */
  target: string;
  /** True when its findings differ from those last recorded for it. */
  changed: boolean;
  /** The report and SBOM as a scan with the current feeds would give them. */
  outcome: ScanOutcome;
}

/** Re-matches every cached target (see the module comment), recording the new findings digests. */
export async function rematchCached(cache: ScanCache, repo: StateRepo): Promise<RematchResult[]> {
  const targets = await cache.targets();
  if (targets.length === 0) return [];
  const matcher = await openRepoMatcher(repo, { memo: true });
  const results: RematchResult[] = [];
  try {
    for (const [target, record] of targets) {
      const resolved = { target: record.target, components: record.components, warnings: record.warnings };
      // The SBOM depends on the inventory only: the one recorded at scan time is reused.
      const outcome = assembleOutcome(resolved, await matcher.match(record.components), record.sbom);
      const findings = findingsDigest(outcome.report.findings);
      const changed = findings !== record.findings;
      if (changed) await cache.putTarget(target, { ...record, findings });
      results.push({ target, changed, outcome });
    }
  } finally {
    await matcher.close();
  }
  return results;
}
