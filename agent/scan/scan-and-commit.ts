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
import { notifyQuietly, type NotifyAfterCommit } from '../notify/notify.js';
import { commitReport, type CommitReportOptions, type CommittedReport } from './commit-report.js';
import { scanTarget, type ScanOptions, type ScanOutcome } from './scan.js';

/** The scan's own options (repository, name, cache, registry, VEX, policy, progress), plus committing. */
export interface ScanAndCommitOptions extends ScanOptions {
  /** Who signs; without one nothing is committed. Needs `repo`. */
  signer?: { node: string; key: SigningKey };
  /** Extra commit settings for the scanned outcome (trailers, the failpoint hook), for the agent service. */
  commit?: (outcome: ScanOutcome) => Pick<CommitReportOptions, 'trailers' | 'beforeRefUpdate'>;
  /** Notify stella.yaml's routes after a commit that changed the report (both the CLI and the agent service do). */
  notify?: NotifyAfterCommit;
  /** Runs between the scan and the commit (the agent's crash tests stop there). */
  beforeCommit?: () => void | Promise<void>;
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
  const { signer, commit, beforeCommit, notify, ...scanOptions } = options;
  const outcome = await scanTarget(target, scanOptions);
  const repo = await options.repo;
  if (signer === undefined || repo === undefined) return { outcome };
  await beforeCommit?.();
  const committed = await commitReport(repo, outcome, { ...signer, ...commit?.(outcome) });
  if (notify !== undefined && committed.changed) {
    await notifyQuietly(repo, notify, { previous: committed.previous, report: outcome.report, node: signer.node, folder: committed.folder });
  }
  return { outcome, committed };
}
