/**
 * Exceptions over a wasm policy's verdicts. A wasm policy sees only the
 * report (its input), so the exceptions of `exceptions/` are applied after
 * it, the same way for every pack: a finding the policy marked `warn` or
 * `fail` that an unexpired exception covers becomes `pass`, naming the
 * exception; an expired exception that would have covered it no longer
 * applies and is listed. An exception covers a finding when each of its
 * non-empty scopes matches: an id (the finding's or one of its aliases),
 * a purl pattern (`*` matches any run of characters, the whole purl must
 * match), a target name.
 *
 * The target's verdict is the worst finding verdict after exceptions,
 * unless the policy failed or warned the target for a reason of its own
 * (its target verdict worse than every finding's): exceptions waive
 * findings, not target-level reasons.
 *
 * @example
 *   const { findings, verdict, expired } = waive(report, verdicts, 'fail', context);
 */
import type { FindingVerdict, Verdict } from '../../model/policy.js';
import type { Finding, Report } from '../../model/report.js';
import type { PolicyContext, PolicyException } from '../engine.js';

/** Verdicts after exceptions. */
export interface Waived {
  findings: FindingVerdict[];
  verdict: Verdict;
  /** Refs of expired exceptions that matched a warned or failed finding, sorted. */
  expired: string[];
  /** How many findings each applied exception waived, by ref. */
  applied: Map<string, number>;
}

const RANK: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };

/** Applies `context.exceptions` to `verdicts` (one per finding of `report`). */
export function waive(report: Report, verdicts: FindingVerdict[], policyVerdict: Verdict, context: PolicyContext): Waived {
  const expired = new Set<string>();
  const applied = new Map<string, number>();
  const findings = verdicts.map((verdict, i) => {
    const finding = report.findings[i];
    if (verdict.verdict === 'pass' || finding === undefined) return verdict;
    const covering = context.exceptions.filter((e) => covers(e, finding, report.target.name));
    for (const e of covering) if (e.expires.getTime() <= context.now.getTime()) expired.add(e.ref);
    const live = covering.find((e) => e.expires.getTime() > context.now.getTime());
    if (live === undefined) return verdict;
    applied.set(live.ref, (applied.get(live.ref) ?? 0) + 1);
    const waived: FindingVerdict = { verdict: 'pass', exception: live.ref, reason: `waived by ${live.ref} (${live.owner}): ${live.reason}` };
    if (verdict.rule !== undefined) waived.rule = verdict.rule;
    return waived;
  });
  const before = worst(verdicts.map((v) => v.verdict));
  const own = RANK[policyVerdict] > RANK[before] ? policyVerdict : 'pass';
  return { findings, verdict: worst([own, ...findings.map((v) => v.verdict)]), expired: [...expired].sort(), applied };
}

function worst(verdicts: Verdict[]): Verdict {
  let result: Verdict = 'pass';
  for (const v of verdicts) if (RANK[v] > RANK[result]) result = v;
  return result;
}

function covers(e: PolicyException, finding: Finding, target: string): boolean {
  if (e.ids.length > 0 && !e.ids.some((id) => id === finding.id || finding.aliases.includes(id))) return false;
  if (e.purls.length > 0 && !e.purls.some((pattern) => globMatch(pattern, finding.purl))) return false;
  return e.targets.length === 0 || e.targets.includes(target);
}

/** `*` matches any run of characters; everything else literally; the whole text must match. */
function globMatch(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  const head = parts[0] ?? '';
  if (!text.startsWith(head)) return false;
  if (parts.length === 1) return text === head;
  let at = head.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = text.indexOf(parts[i] ?? '', at);
    if (found === -1) return false;
    at = found + (parts[i] ?? '').length;
  }
  const tail = parts[parts.length - 1] ?? '';
  return text.length - tail.length >= at && text.endsWith(tail);
}
