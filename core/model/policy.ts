/**
 * What a policy decided, as the signed report records it: a verdict per
 * finding with the rule or exception that decided it (the explain trace),
 * and a verdict for the target. How verdicts are reached is core/policy/;
 * this file only names the shapes, at the bottom floor, because the report
 * is built from them.
 *
 * @example
 *   const v: FindingVerdict = { verdict: 'fail', rule: 'no-kev', reason: 'listed in CISA KEV since 2024-01-10' };
 */

/** A finding's verdict. */
export type Verdict = 'pass' | 'warn' | 'fail';

/** A target's verdict: `error` when the policy could not be evaluated (a trap, a timeout), never `pass`. */
export type TargetVerdict = Verdict | 'error';

/** Why a finding got its verdict: the first matching rule, or the exception that waived it. */
export interface FindingVerdict {
  verdict: Verdict;
  /** The id of the rule that decided (built-in policy rule id, or a reason code from a wasm policy). */
  rule?: string;
  /** The exception that waived the finding, by its file path and id. */
  exception?: string;
  /** One sentence a person reads in summary.md and the table. */
  reason: string;
}

/** The policy in force for a report and what it decided for the target. */
export interface PolicyOutcome {
  verdict: TargetVerdict;
  /** `builtin` or `opa-wasm`. */
  engine: string;
  /** The policy's path in the state repository (or the file given on the command line). */
  source: string;
  /** SHA-256 (hex) of the policy's bytes, so a verifier knows exactly which policy decided. */
  digest: string;
  /** Why the target got its verdict (rules that failed it, or the evaluation error). */
  reasons: string[];
  /** Exceptions that matched a finding but had expired (they no longer apply). */
  expiredExceptions: string[];
}
