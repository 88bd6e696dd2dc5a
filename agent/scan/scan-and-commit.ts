/**
 * What `stella scan [--commit]` does, without the terminal: scan the target
 * and, when a signer is given, sign and commit the report. The CLI command
 * and the agent service both call this, so a report made through either is
 * the same bytes for the same target and feed.
 *
 * @example
 *   const { outcome, committed } = await scanAndCommit('app.oci.tar', { repo, signer: { node: 'edge-1', key } });
 */
import type { SigningKey } from '../../core/sign/keys.js';
import type { NotifyAfterCommit } from '../notify/notify.js';
import type { CommitReportOptions, CommittedReport } from './commit-report.js';
import { scanTarget, type ScanOptions, type ScanOutcome } from './scan.js';

/** The scan's own options (repository, name, cache, registry, VEX, policy, progress), plus committing. */
export interface ScanAndCommitOptions extends ScanOptions {
  /**
   * Who signs; without one nothing is committed. Needs `repo`. May still be loading (a promise,
   * as `repo` may be): the target is read meanwhile, and a rejection stops the read only if the
   * caller aborts `signal` (the CLI does).
   */
  signer?: ReportSigner | Promise<ReportSigner | undefined>;
  /** Extra commit settings for the scanned outcome (trailers, the failpoint hook), for the agent service. */
  commit?: (outcome: ScanOutcome) => Pick<CommitReportOptions, 'trailers' | 'beforeRefUpdate'>;
  /** Notify stella.yaml's routes after a commit that changed the report (both the CLI and the agent service do). */
  notify?: NotifyAfterCommit;
  /** Runs between the scan and the commit (the agent's crash tests stop there). */
  beforeCommit?: () => void | Promise<void>;
}

/** The node a report is committed for, and its signing key. */
export interface ReportSigner {
  node: string;
  key: SigningKey;
}

/** A scan's outcome, and where its report was committed (when it was). */
export interface ScanAndCommitResult {
  outcome: ScanOutcome;
  committed?: CommittedReport;
}

/**
 * Scans `target` and commits its signed report when `options.signer` is set.
 * @example await scanAndCommit('./rootfs', { repo })
 */
export async function scanAndCommit(target: string, options: ScanAndCommitOptions): Promise<ScanAndCommitResult> {
  const { signer: signerGiven, commit, beforeCommit, notify, ...scanOptions } = options;
  // Handled here too: a signer that fails while the target is read is thrown below, not unhandled.
  Promise.resolve(signerGiven).catch(() => undefined);
  const outcome = await scanTarget(target, scanOptions);
  const [repo, signer] = await Promise.all([options.repo, signerGiven]);
  if (signer === undefined || repo === undefined) return { outcome };
  await beforeCommit?.();
  // Loaded only to commit: Git, signing and notification code stay out of a scan that prints.
  const { commitReport } = await import('./commit-report.js');
  const committed = await commitReport(repo, outcome, { ...signer, ...commit?.(outcome) });
  if (notify !== undefined && committed.changed) {
    const { notifyQuietly } = await import('../notify/notify.js');
    await notifyQuietly(repo, notify, { previous: committed.previous, report: outcome.report, node: signer.node, folder: committed.folder });
  }
  return { outcome, committed };
}
