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
import { decideReport } from '../decide.js';

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
    const after = await decideReport(report, candidate.engine, { now, exceptions: candidate.exceptions });
    const before = baseline === undefined ? undefined : await decideReport(report, baseline.engine, { now, exceptions: baseline.exceptions });
    const beforeVerdict = before?.policy?.verdict ?? 'none';
    const afterVerdict = after.policy?.verdict ?? 'error';
    totals.before[beforeVerdict] = (totals.before[beforeVerdict] ?? 0) + 1;
    totals.after[afterVerdict] = (totals.after[afterVerdict] ?? 0) + 1;
    const changed = findingChanges(before?.findings, after.findings);
    if (beforeVerdict !== afterVerdict || changed.length > 0) {
      changes.push({ folder, target: report.target.name, before: beforeVerdict, after: afterVerdict, findings: changed });
    }
  }
  const result: SimulationResult = { candidate: describe(candidate.engine), reports: reports.length, findings, totals, changes };
  if (baseline !== undefined) result.baseline = describe(baseline.engine);
  return result;
}

function findingChanges(before: readonly Finding[] | undefined, after: readonly Finding[]): FindingChange[] {
  const out: FindingChange[] = [];
  after.forEach((finding, i) => {
    const old = before?.[i]?.verdict;
    const now = finding.verdict;
    if (verdictOf(old) === verdictOf(now)) return;
    const change: FindingChange = { id: finding.id, name: finding.name, purl: finding.purl };
    if (old !== undefined) change.before = old;
    if (now !== undefined) change.after = now;
    out.push(change);
  });
  return out.sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function verdictOf(verdict: FindingVerdict | undefined): Verdict | 'none' {
  return verdict?.verdict ?? 'none';
}

function describe(engine: PolicyEngine): { engine: string; source: string; digest: string } {
  return { engine: engine.kind, source: engine.source, digest: engine.digest };
}
