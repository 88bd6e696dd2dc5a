/**
 * What `stella scan --exit-code N` gates on. With a policy in force, the
 * target's verdict: `fail` or `error` fails the gate, `warn` and `pass` do
 * not (findings shown or not). Without one, any finding still shown after
 * the filters fails it, as before policies existed.
 *
 * @example
 *   policyGate(report, shown.findings.length); // { fails: true, message: 'policy policies/prod.yaml: fail (2 findings fail by rule kev)' }
 */
import type { Report } from '../../core/model/report.js';

/** Whether the gate fails, and the one line that says why (only when a policy decided). */
export function policyGate(report: Report, shownFindings: number): { fails: boolean; message?: string } {
  const policy = report.policy;
  if (policy === undefined) return { fails: shownFindings > 0 };
  const expired = policy.expiredExceptions.length === 0 ? '' : `; expired exceptions: ${policy.expiredExceptions.join(', ')}`;
  return { fails: policy.verdict === 'fail' || policy.verdict === 'error', message: `policy ${policy.source}: ${policy.verdict} (${policy.reasons.join('; ')})${expired}` };
}
