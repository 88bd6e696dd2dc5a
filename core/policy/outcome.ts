/**
 * A target's verdict from its findings' verdicts, the same for every
 * engine: the worst one (`fail` over `warn` over `pass`; no findings is
 * `pass`), with reasons that name what decided it — each rule (or the
 * default) that gave the worst verdict, with how many findings. An engine
 * that cannot decide uses `errorOutcome`, whose verdict is `error`, never
 * `pass`.
 *
 * @example
 *   targetOutcome(verdicts, engine, expired); // { verdict: 'fail', reasons: ['2 findings fail by rule kev'], … }
 */
import type { FindingVerdict, PolicyOutcome, Verdict } from '../model/policy.js';
import type { PolicyEngine } from './engine.js';

const RANK: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };

/** The outcome for a target whose findings got `verdicts`. */
export function targetOutcome(verdicts: readonly FindingVerdict[], engine: Pick<PolicyEngine, 'kind' | 'source' | 'digest'>, expiredExceptions: readonly string[]): PolicyOutcome {
  let worst: Verdict = 'pass';
  for (const v of verdicts) if (RANK[v.verdict] > RANK[worst]) worst = v.verdict;
  const counts = new Map<string, number>();
  for (const v of verdicts) {
    if (v.verdict !== worst) continue;
    const by = v.exception !== undefined ? `exception ${v.exception}` : v.rule !== undefined ? `rule ${v.rule}` : 'the default verdict';
    counts.set(by, (counts.get(by) ?? 0) + 1);
  }
  const reasons = verdicts.length === 0 ? ['no findings'] : [...counts].map(([by, n]) => `${n} finding${n === 1 ? '' : 's'} ${worst} by ${by}`).sort();
  return { verdict: worst, engine: engine.kind, source: engine.source, digest: engine.digest, reasons, expiredExceptions: [...expiredExceptions] };
}

/**
 * The outcome of an evaluation that failed: `error`, with the reason.
 * @example errorOutcome(engine, 'policy.wasm trapped: unreachable');
 */
export function errorOutcome(engine: Pick<PolicyEngine, 'kind' | 'source' | 'digest'>, reason: string): PolicyOutcome {
  return { verdict: 'error', engine: engine.kind, source: engine.source, digest: engine.digest, reasons: [reason], expiredExceptions: [] };
}

/** True when `a` is a worse verdict than `b`. @example worse('fail', 'warn'); // true */
export function worse(a: Verdict, b: Verdict): boolean {
  return RANK[a] > RANK[b];
}
