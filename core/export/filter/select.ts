/**
 * Which findings `stella scan` shows and gates on: `--severity` levels
 * (with `--kev`, known-exploited findings of any level too),
 * `--ignore-unfixed` (only findings with a fixed version) and
 * `--ignore-file` ids (a finding is ignored when its id or any alias is
 * listed, so a CVE line also covers the GHSA that aliases it). The summary
 * counts what remains; how many each filter hid is returned for messages.
 *
 * @example
 *   const { report: shown, hidden } = selectFindings(report, { ignoreUnfixed: true });
 */
import { SEVERITY_ORDER, type SeverityLevel } from '../../model/severity.js';
import type { Finding, Report } from '../../model/report.js';

/** The filters; each is off when absent. */
export interface FindingFilters {
  severities?: ReadonlySet<SeverityLevel>;
  /** With `severities`: keep KEV-listed findings whatever their level. */
  kev?: boolean;
  ignoreUnfixed?: boolean;
  /** Advisory ids to leave out (active entries of an ignore file). */
  ignoreIds?: ReadonlySet<string>;
}

/** How many findings each filter removed, in the order they apply. */
export interface HiddenCounts {
  ignored: number;
  unfixed: number;
  severity: number;
}

/**
 * The report with only the selected findings, its summary recounted.
 * Without any filter the report is returned as it is.
 *
 * @example selectFindings(report, { severities: new Set(['HIGH', 'CRITICAL']) }).hidden.severity; // 12
 */
export function selectFindings(report: Report, filters: FindingFilters): { report: Report; hidden: HiddenCounts } {
  const hidden: HiddenCounts = { ignored: 0, unfixed: 0, severity: 0 };
  const active = filters.severities !== undefined || filters.ignoreUnfixed === true || (filters.ignoreIds?.size ?? 0) > 0;
  if (!active) return { report, hidden };
  const keep = (list: Finding[], test: (f: Finding) => boolean, key: keyof HiddenCounts): Finding[] => {
    const kept = list.filter(test);
    hidden[key] = list.length - kept.length;
    return kept;
  };
  const ids = filters.ignoreIds ?? new Set<string>();
  let findings = keep(report.findings, (f) => !ids.has(f.id) && !f.aliases.some((alias) => ids.has(alias)), 'ignored');
  if (filters.ignoreUnfixed === true) findings = keep(findings, (f) => f.fixed !== undefined, 'unfixed');
  const levels = filters.severities;
  if (levels !== undefined) findings = keep(findings, (f) => levels.has(f.severity.level) || (filters.kev === true && f.kev !== undefined), 'severity');
  const counts: Record<string, number> = {};
  for (const level of SEVERITY_ORDER) counts[level] = findings.filter((f) => f.severity.level === level).length;
  return { report: { ...report, summary: { ...report.summary, findings: findings.length, severities: counts }, findings }, hidden };
}
