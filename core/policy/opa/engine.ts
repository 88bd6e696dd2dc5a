/**
 * The `opa-wasm` policy engine: a pack (`bundle.tar.gz`) checked whole
 * when loaded, then evaluated per report. Loading refuses, with one line
 * naming the pack and the problem: a pack or module over its size limit,
 * a file that is no part of a wasm bundle, a module that is not wasm, an
 * ABI version we do not speak, a module asking for more memory than the
 * limit, one that fails while starting, one without `stella/decision`.
 * Evaluation never throws: a trap, an abort, exhausted memory, a timeout
 * (the runner's) or a malformed answer gives the target verdict `error`
 * with the reason, and no finding verdicts.
 *
 * The input is the report as JSON, its previous verdicts removed (a policy
 * decides afresh; re-evaluating a stored report must not see the old
 * answer). Contract and how to build a pack: README.md beside this file.
 *
 * @example
 *   const engine = await openOpaPolicy(bytes, 'policies/team.tar.gz', { runner: inProcessRunner });
 *   const { outcome, findings } = await engine.evaluate(report, { now: new Date(), exceptions: [] });
 */
import { describeError, StellaError } from '../../errors.js';
import type { FindingVerdict, Verdict } from '../../model/policy.js';
import type { Report } from '../../model/report.js';
import { sha256Hex, bufferSource } from '../../sign/encoding.js';
import type { PolicyContext, PolicyDecision, PolicyEngine } from '../engine.js';
import { applyExceptions } from '../exceptions/apply.js';
import { errorOutcome, targetOutcome, worse } from '../outcome.js';
import { checkOpaAbi } from './abi.js';
import { readOpaBundle, STELLA_ENTRYPOINT } from './bundle.js';
import { readDecision } from './decision.js';
import { opaLimits, type OpaLimits } from './limits.js';
import type { OpaRunner, OpaRunnerFactory } from './runner.js';

/** How to load: where the module runs (required: it decides the time limit), and limits other than the defaults. */
export interface OpaPolicyOptions {
  runner: OpaRunnerFactory;
  limits?: Partial<OpaLimits>;
}

/** A loaded wasm policy; `close` stops its runner (a worker thread in the agent). */
export interface OpaPolicyEngine extends PolicyEngine {
  readonly kind: 'opa-wasm';
  close(): Promise<void>;
}

/** Loads and checks a pack; throws POLICY_INVALID / LIMIT_EXCEEDED / GZIP_CORRUPT / TAR_CORRUPT / PATH_UNSAFE naming `source`. */
export async function openOpaPolicy(bytes: Uint8Array, source: string, options: OpaPolicyOptions): Promise<OpaPolicyEngine> {
  const limits = opaLimits(options.limits);
  const bundle = await readOpaBundle(bytes, source, limits);
  const where = `${source}: ${bundle.modulePath}`;
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bufferSource(bundle.wasm));
  } catch (cause) {
    throw new StellaError('POLICY_INVALID', `${where}: is not a valid WebAssembly module (${describeError(cause)})`, { cause });
  }
  const abi = checkOpaAbi(bundle.wasm, where, limits);
  const runner = await options.runner({ module, data: bundle.data, memory: abi.memory, entrypoint: STELLA_ENTRYPOINT, where }, limits);
  if (!runner.entrypoints.includes(STELLA_ENTRYPOINT)) {
    await runner.close();
    const has = runner.entrypoints.join(', ') || 'none';
    throw new StellaError('POLICY_INVALID', `${where}: has no entrypoint ${STELLA_ENTRYPOINT} (it has: ${has}); build it with \`opa build -t wasm -e ${STELLA_ENTRYPOINT}\``);
  }
  return new OpaEngine(source, await sha256Hex(bytes), where, runner);
}

class OpaEngine implements OpaPolicyEngine {
  readonly kind = 'opa-wasm' as const;

  constructor(
    readonly source: string,
    readonly digest: string,
    private readonly where: string,
    private readonly runner: OpaRunner,
  ) {}

  async evaluate(report: Report, context: PolicyContext): Promise<PolicyDecision> {
    try {
      const resultSet = await this.runner.evaluate(new TextEncoder().encode(JSON.stringify(policyInput(report))));
      const answer = readDecision(resultSet, report.findings.length, this.where);
      const verdicts: FindingVerdict[] = report.findings.map(
        (_, i) => answer.findings.get(i) ?? { verdict: 'pass', reason: `no rule of ${this.source} applies` },
      );
      // Exceptions and the target verdict are decided as for every engine; the pack only adds a target-level verdict of its own.
      const { findings, expired } = applyExceptions(report, verdicts, context);
      const outcome = targetOutcome(findings, this, expired);
      const own = ownVerdict(answer.verdict, verdicts);
      if (outcome.verdict !== 'error' && worse(own, outcome.verdict)) outcome.verdict = own;
      outcome.reasons = [...answer.reasons, ...waivedReasons(findings)];
      return { outcome, findings };
    } catch (error) {
      return { outcome: errorOutcome(this, describeError(error)), findings: [] };
    }
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}

/** The report without the verdicts of an earlier evaluation (copied only when it has some: the copy costs on every evaluation). */
function policyInput(report: Report): Report {
  if (report.policy === undefined && report.findings.every((f) => f.verdict === undefined)) return report;
  const input: Report = { ...report, findings: report.findings.map(({ verdict: _verdict, ...finding }) => finding) };
  delete input.policy;
  return input;
}

/** The pack's target verdict when worse than every finding verdict it gave (a reason of its own, which exceptions do not waive); else `pass`. */
function ownVerdict(verdict: Verdict, verdicts: readonly FindingVerdict[]): Verdict {
  return verdicts.some((v) => !worse(verdict, v.verdict)) ? 'pass' : verdict;
}

/** `<ref> waived N finding(s)` per applied exception, sorted by ref. */
function waivedReasons(findings: readonly FindingVerdict[]): string[] {
  const counts = new Map<string, number>();
  for (const v of findings) if (v.exception !== undefined) counts.set(v.exception, (counts.get(v.exception) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ref, n]) => `${ref} waived ${n} finding(s)`);
}
