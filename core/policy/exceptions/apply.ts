/**
 * Exceptions over verdicts, the same for every engine: a finding that a
 * rule gave `warn` or `fail` is waived to `pass` by the first active
 * exception (in `ref` order) whose scope covers it; the trace keeps the
 * rule that would have decided. An exception past its expiry no longer
 * applies; each expired one whose scope covers any finding of the report
 * is listed, so a reviewer sees the waiver that lapsed.
 *
 * @example
 *   const { findings, expired } = applyExceptions(report, ruleVerdicts, { now, exceptions });
 */
import type { FindingVerdict } from '../../model/policy.js';
import type { Finding, Report } from '../../model/report.js';
import type { PolicyContext, PolicyException } from '../engine.js';
import { compileGlob, type Glob } from '../glob.js';
import { purlMatches, purlPackage } from '../purl-match.js';

interface CompiledException {
  exception: PolicyException;
  ids: ReadonlySet<string>;
  purls: Glob[];
  targets: Glob[];
}

/** Final verdicts after exceptions, and the refs of expired exceptions that would have covered a finding. */
export interface ExceptionResult {
  findings: FindingVerdict[];
  expired: string[];
}

/** Applies `context.exceptions` to `verdicts` (see the module comment); `verdicts[i]` belongs to `report.findings[i]`. */
export function applyExceptions(report: Report, verdicts: readonly FindingVerdict[], context: PolicyContext): ExceptionResult {
  const compiled = [...context.exceptions].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)).map(compile);
  const forTarget = compiled.filter((c) => c.targets.length === 0 || c.targets.some((g) => g.test(report.target.name)));
  const now = context.now.getTime();
  const active = forTarget.filter((c) => c.exception.expires.getTime() > now);
  const lapsed = forTarget.filter((c) => c.exception.expires.getTime() <= now);
  const expired = new Set<string>();
  const findings = verdicts.map((verdict, i) => {
    const finding = report.findings[i] as Finding;
    const pkg = purlPackage(finding.purl);
    for (const c of lapsed) if (covers(c, finding, pkg)) expired.add(c.exception.ref);
    if (verdict.verdict === 'pass') return verdict;
    const waiver = active.find((c) => covers(c, finding, pkg));
    return waiver === undefined ? verdict : waived(verdict, waiver.exception);
  });
  return { findings, expired: [...expired].sort() };
}

function compile(exception: PolicyException): CompiledException {
  return { exception, ids: new Set(exception.ids), purls: exception.purls.map((p) => compileGlob(p)), targets: exception.targets.map((p) => compileGlob(p)) };
}

function covers(c: CompiledException, finding: Finding, pkg: string): boolean {
  if (c.ids.size > 0 && !c.ids.has(finding.id) && !finding.aliases.some((alias) => c.ids.has(alias))) return false;
  return c.purls.length === 0 || c.purls.some((glob) => purlMatches(glob, finding.purl, pkg));
}

function waived(verdict: FindingVerdict, exception: PolicyException): FindingVerdict {
  const out: FindingVerdict = {
    verdict: 'pass',
    exception: exception.ref,
    reason: `waived by ${exception.ref} (owner ${exception.owner}, until ${exception.expires.toISOString()}): ${exception.reason}; without it: ${verdict.verdict}`,
  };
  if (verdict.rule !== undefined) out.rule = verdict.rule;
  return out;
}
