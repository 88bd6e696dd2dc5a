/**
 * Re-matching after main changed feeds, VEX or policy: every target in the
 * scan cache is matched again from its cached inventory — no image, file or
 * layer is read — against the state repository's current feeds, decided by
 * its current VEX and policy as a fresh scan would be, and the targets whose
 * decided findings changed are told apart from those whose did not. The
 * service commits new reports only for the changed ones.
 *
 * @example
 *   const results = await rematchCached(cache, repo);
 *   for (const r of results.filter((r) => r.changed)) await commitReport(repo, r.outcome, signer);
 */
import type { ScanCache } from '../cache/scan-cache.js';
import type { StateRepo } from '../repo/state-repo.js';
import { assembleOutcome, findingsDigest } from './assemble.js';
import type { ScanOutcome } from './assemble.js';
import { policyForScan } from '../policy/for-scan.js';
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
  // One policy for every target, loaded (its signatures checked) once, as a scan at this moment would load it.
  const policy = (await policyForScan({ repo, now: new Date() }).catch(async (error: unknown) => {
    await matcher.close();
    throw error;
  })) ?? 'none';
  try {
    for (const [target, record] of targets) {
      const resolved = { target: record.target, components: record.components, warnings: record.warnings };
      const matched = await matcher.match(record.components);
      // The SBOM depends on the inventory only: the one recorded at scan time is reused, read only
      // when a changed target's outcome is stored.
      const decided = await decideOutcome(assembleOutcome(resolved, matched, () => cache.getSbom(target)), { repo, policy });
      const findings = findingsDigest(decided.report.findings);
      if (findings === record.findings) {
        results.push({ target, changed: false });
        continue;
      }
      await cache.putFindings(target, findings);
      results.push({ target, changed: true, outcome: decided });
    }
  } finally {
    await matcher.close();
    if (policy !== 'none') await policy.engine.close?.();
  }
  return results;
}
