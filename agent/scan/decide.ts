/**
 * What decides a matched outcome before it is signed: VEX statements set
 * each finding's status (from the repository's `vex/` at the commit the
 * feeds were read at, then `--vex` files), then the policy in force gives
 * verdicts (its rules read the status). One step for a fresh scan and a
 * re-match, so both decide the same way.
 *
 * @example
 *   const decided = await decideOutcome(assembleOutcome(resolved, matched), { repo });
 */
import { decideReport } from '../../core/policy/decide.js';
import type { VexDocument } from '../../core/vex/statement.js';
import { policyForScan, type ScanPolicy } from '../policy/for-scan.js';
import type { StateRepo } from '../repo/state-repo.js';
import { decideWithVex } from '../vex/decide.js';
import type { ScanOutcome } from './assemble.js';

export interface DecideOptions {
  repo?: StateRepo;
  /** VEX documents from the command line, applied after the repository's. */
  vex?: readonly VexDocument[];
  /** The policy; default the one in force on main; `none` for no verdicts. */
  policy?: ScanPolicy | 'none';
}

/**
 * Applies VEX, then the policy, to an outcome.
 * @example await decideOutcome(outcome, { repo, vex: [] })
 */
export async function decideOutcome(outcome: ScanOutcome, options: DecideOptions): Promise<ScanOutcome> {
  let { report } = outcome;
  let vex: ScanOutcome['vex'];
  const feed = report.inputs.feed;
  if (options.repo !== undefined || (options.vex ?? []).length > 0) {
    const repoVex = options.repo === undefined || feed === null ? undefined : { store: options.repo.store, commit: feed.commit };
    const decided = await decideWithVex(report, repoVex, options.vex ?? []);
    report = decided.report;
    vex = decided.summary;
  }
  const policy = options.policy ?? (options.repo === undefined ? 'none' : ((await policyForScan({ repo: options.repo, now: new Date() })) ?? 'none'));
  if (policy !== 'none') {
    try {
      report = await decideReport({ ...report, warnings: [...report.warnings, ...policy.warnings] }, policy.engine, { now: policy.now, exceptions: policy.exceptions });
    } finally {
      // Loaded here, so closed here (an OPA pack's worker thread); a policy passed in is its caller's to close.
      if (options.policy === undefined) await policy.engine.close?.();
    }
  }
  return vex === undefined ? { report, sbom: outcome.sbom } : { report, sbom: outcome.sbom, vex };
}
