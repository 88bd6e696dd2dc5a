/**
 * A report with a policy's decision written into it: each finding's
 * `verdict` (its explain trace) and the report's `policy` outcome. The
 * input is not changed; verdicts from an earlier evaluation are replaced.
 * An engine that could not decide leaves findings without a verdict and
 * the target at `error`.
 *
 * @example
 *   const decided = await decideReport(report, engine, { now, exceptions });
 *   decided.policy?.verdict; // 'fail'
 */
import type { Finding, Report } from '../model/report.js';
import type { PolicyContext, PolicyEngine } from './engine.js';

/** Evaluates `engine` on `report` and returns the report with verdicts (see the module comment). */
export async function decideReport(report: Report, engine: PolicyEngine, context: PolicyContext): Promise<Report> {
  const bare = report.findings.map(withoutVerdict);
  const input: Report = { ...report, findings: bare };
  delete input.policy;
  const decision = await engine.evaluate(input, context);
  const complete = decision.outcome.verdict !== 'error' && decision.findings.length === bare.length;
  const findings = complete ? bare.map((finding, i) => ({ ...finding, verdict: decision.findings[i] as NonNullable<Finding['verdict']> })) : bare;
  return { ...input, findings, policy: decision.outcome };
}

function withoutVerdict(finding: Finding): Finding {
  if (finding.verdict === undefined) return finding;
  const copy = { ...finding };
  delete copy.verdict;
  return copy;
}
