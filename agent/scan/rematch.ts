/**
 * Re-matching after a feed change: every target in the scan cache is
 * matched again from its cached inventory — no image, file or layer is read
 * — against the state repository's current feeds, and the targets whose
 * findings changed are told apart from those whose did not. The service
 * commits new reports only for the changed ones. The comparison is of the
 * matched findings; a change of VEX or policy alone is decided by the next
 * scan of the target, not detected here.
 *
 * @example
 *   const results = await rematchCached(cache, repo);
 *   for (const r of results.filter((r) => r.changed)) await commitReport(repo, r.outcome, signer);
 */
import type { ScanCache } from '../cache/scan-cache.js';
import type { StateRepo } from '../repo/state-repo.js';
import { assembleOutcome, findingsDigest } from './assemble.js';
import type { ScanOutcome } from './assemble.js';
import { decideOutcome } from './decide.js';
import { openRepoMatcher } from './match-repo.js';

/** One cached target after re-matching. */
export type RematchResult =
  | {
      /** The target as it was scanned (path or registry reference). */
      target: string;
      /** Its findings differ from those last recorded for it. */
      changed: true;
      /** The report and SBOM a scan with the current feeds would give. */
      outcome: ScanOutcome;
    }
  | { target: string; changed: false };

/** Re-matches every cached target (see the module comment), recording the new findings digests. */
export async function rematchCached(cache: ScanCache, repo: StateRepo): Promise<RematchResult[]> {
  const targets = await cache.targets();
  if (targets.length === 0) return [];
  const matcher = await openRepoMatcher(repo, { memo: true });
  const results: RematchResult[] = [];
  try {
    for (const [target, record] of targets) {
      const resolved = { target: record.target, components: record.components, warnings: record.warnings };
      const matched = await matcher.match(record.components);
      const findings = findingsDigest(matched.findings);
      if (findings === record.findings) {
        results.push({ target, changed: false });
        continue;
      }
      // The SBOM depends on the inventory only: the one recorded at scan time is reused.
      // VEX and the policy in force decide the new findings as a fresh scan's would.
      const outcome = await decideOutcome(assembleOutcome(resolved, matched, await cache.getSbom(target)), { repo });
      await cache.putFindings(target, findings);
      results.push({ target, changed: true, outcome });
    }
  } finally {
    await matcher.close();
  }
  return results;
}
