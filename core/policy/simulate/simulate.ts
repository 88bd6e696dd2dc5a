/**
 * Simulation: the reports already in a state repository decided twice at
 * the same moment — under the policy in force (the baseline, with its
 * exceptions) and under a candidate — and what would change: each target
 * whose verdict changes, and each finding whose verdict changes, with the
 * rule or exception that decides it on each side. Evaluating both sides
 * at one `now` keeps expiring exceptions from showing up as changes the
 * candidate did not make.
 *
 * @example
 *   const result = await simulate(reports, { baseline, candidate, now });
 *   result.changes.length; // targets with any change
 */
import type { FindingVerdict, TargetVerdict, Verdict } from '../../model/policy.js';
import type { Finding, Report } from '../../model/report.js';
import type { PolicyEngine, PolicyException } from '../engine.js';

/** A policy and its exceptions, as one side of a simulation. */
export interface PolicySide {
  engine: PolicyEngine;
  exceptions: readonly PolicyException[];
}

/** One stored report: its folder (`findings/<node>/<target>`) and content. */
export interface StoredReport {
  folder: string;
  report: Report;
}

/** A finding whose verdict would change. */
export interface FindingChange {
  id: string;
  name: string;
  purl: string;
  before?: FindingVerdict;
  after?: FindingVerdict;
}

/** A target with a changed verdict or changed findings. */
export interface TargetChange {
  folder: string;
  target: string;
  /** `none` when that side has no policy. */
  before: TargetVerdict | 'none';
  after: TargetVerdict;
  findings: FindingChange[];
}

/** What the simulation found. */
export interface SimulationResult {
  baseline?: { engine: string; source: string; digest: string };
  candidate: { engine: string; source: string; digest: string };
  reports: number;
  findings: number;
  /** Targets per verdict before and after, over every report. */
  totals: { before: Record<string, number>; after: Record<string, number> };
  /** Only targets where something changes, sorted by folder. */
  changes: TargetChange[];
}

/** Decides every report under both sides and lists what changes (see the module comment). */
export async function simulate(reports: readonly StoredReport[], options: { baseline?: PolicySide; candidate: PolicySide; now: Date }): Promise<SimulationResult> {
  const { baseline, candidate, now } = options;
  const totals = { before: {} as Record<string, number>, after: {} as Record<string, number> };
  const changes: TargetChange[] = [];
  let findings = 0;
  for (const { folder, report } of [...reports].sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0))) {
    findings += report.findings.length;
    // One input for both sides: the stored verdicts and outcome are what is being replaced.
    const input = withoutDecision(report);
    const after = await candidate.engine.evaluate(input, { now, exceptions: candidate.exceptions });
    const before = baseline === undefined ? undefined : await baseline.engine.evaluate(input, { now, exceptions: baseline.exceptions });
    const beforeVerdict = before?.outcome.verdict ?? 'none';
    const afterVerdict = after.outcome.verdict;
    totals.before[beforeVerdict] = (totals.before[beforeVerdict] ?? 0) + 1;
    totals.after[afterVerdict] = (totals.after[afterVerdict] ?? 0) + 1;
    const changed = findingChanges(input.findings, before?.findings, after.findings);
    if (beforeVerdict !== afterVerdict || changed.length > 0) {
      changes.push({ folder, target: report.target.name, before: beforeVerdict, after: afterVerdict, findings: changed });
    }
  }
  const result: SimulationResult = { candidate: describe(candidate.engine), reports: reports.length, findings, totals, changes };
  if (baseline !== undefined) result.baseline = describe(baseline.engine);
  return result;
}

function findingChanges(findings: readonly Finding[], before: readonly FindingVerdict[] | undefined, after: readonly FindingVerdict[]): FindingChange[] {
  const out: FindingChange[] = [];
  findings.forEach((finding, i) => {
    const old = before?.[i];
    const now = after[i];
    if (verdictOf(old) === verdictOf(now)) return;
    const change: FindingChange = { id: finding.id, name: finding.name, purl: finding.purl };
    if (old !== undefined) change.before = old;
    if (now !== undefined) change.after = now;
    out.push(change);
  });
  return out.sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The report without a stored decision; copied only where there is one to drop. */
function withoutDecision(report: Report): Report {
  const decided = report.policy !== undefined || report.findings.some((f) => f.verdict !== undefined);
  if (!decided) return report;
  const copy: Report = { ...report, findings: report.findings.map(({ verdict: _dropped, ...rest }) => rest) };
  delete copy.policy;
  return copy;
}

function verdictOf(verdict: FindingVerdict | undefined): Verdict | 'none' {
  return verdict?.verdict ?? 'none';
}

function describe(engine: PolicyEngine): { engine: string; source: string; digest: string } {
  return { engine: engine.kind, source: engine.source, digest: engine.digest };
}
