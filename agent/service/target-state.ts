/**
 * A target's last scan as the API lists it (`GET /v1/targets`,
 * `GET /v1/findings`): built from the report, whether the scan was just run
 * or recovered from a commit after a crash.
 *
 * @example const state = targetState(report, { target: 'app.oci.tar', scanId, report: committed });
 */
import type { Report } from '../../core/model/report.js';
import type { FindingEntry, JobReport, TargetState } from './job.js';

/** The latest-scan record of one target. */
export function targetState(report: Report, scan: { target: string; scanId: string; report?: JobReport }): TargetState {
  const findings: FindingEntry[] = report.findings.map((finding) => ({
    id: finding.id,
    target: report.target.name,
    purl: finding.purl,
    name: finding.name,
    installed: finding.installed,
    ...(finding.fixed === undefined ? {} : { fixed: finding.fixed }),
    severity: finding.severity.level,
  }));
  return {
    target: scan.target,
    name: report.target.name,
    scanId: scan.scanId,
    scannedAt: new Date().toISOString(),
    summary: { ...report.summary.severities },
    ...(scan.report === undefined ? {} : { report: scan.report }),
    findings,
  };
}
