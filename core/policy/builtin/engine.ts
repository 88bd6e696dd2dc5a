/**
 * The built-in policy engine: declarative YAML rules (parse.ts), evaluated
 * in order — the first rule whose conditions all hold gives the finding's
 * verdict; a finding no rule matches gets the policy's default. Exceptions
 * then waive `warn`/`fail` findings (exceptions/apply.ts), and the target
 * gets the worst verdict of its findings (outcome.ts). Pure and
 * synchronous inside: the time comes from the context.
 *
 * @example
 *   const engine = await builtinPolicyFactory.load(bytes, 'policies/production.yaml');
 *   const { outcome, findings } = await engine.evaluate(report, { now, exceptions });
 */
import { describeError } from '../../errors.js';
import type { FindingVerdict } from '../../model/policy.js';
import type { Report } from '../../model/report.js';
import { sha256Hex } from '../../sign/encoding.js';
import type { PolicyContext, PolicyDecision, PolicyEngine } from '../engine.js';
import { applyExceptions } from '../exceptions/apply.js';
import { errorOutcome, targetOutcome } from '../outcome.js';
import type { PolicyEngineFactory } from '../registry-types.js';
import { compileConditions, describeConditions } from './compile.js';
import type { PolicyDocument } from './document.js';
import type { Facts } from './facts.js';
import { factReader } from './facts.js';
import { parseBuiltinPolicy } from './parse.js';

interface CompiledRule {
  test: (facts: Facts) => boolean;
  verdict: FindingVerdict;
}

/** A loaded built-in policy. */
export class BuiltinPolicyEngine implements PolicyEngine {
  readonly kind = 'builtin';
  private readonly rules: CompiledRule[];
  private readonly fallback: FindingVerdict;
  private readonly asks: ReturnType<BuiltinPolicyEngine['needs']>;

  constructor(
    readonly source: string,
    readonly digest: string,
    readonly policy: PolicyDocument,
  ) {
    // Each rule's verdict object is built once and shared by every finding it decides.
    this.rules = policy.rules.map((rule) => ({
      test: compileConditions(rule.when),
      verdict: { verdict: rule.verdict, rule: rule.id, reason: `${rule.verdict} by rule ${rule.id}: ${rule.description ?? describeConditions(rule.when)}` },
    }));
    this.fallback = { verdict: policy.defaultVerdict, reason: `no rule matched; the policy's default is ${policy.defaultVerdict}` };
    this.asks = this.needs();
  }

  evaluate(report: Report, context: PolicyContext): Promise<PolicyDecision> {
    try {
      return Promise.resolve(this.decide(report, context));
    } catch (error) {
      return Promise.resolve({ outcome: errorOutcome(this, `${this.source}: evaluation failed: ${describeError(error)}`), findings: [] });
    }
  }

  private decide(report: Report, context: PolicyContext): PolicyDecision {
    const facts = factReader(report, { now: context.now, baseLayers: this.policy.baseLayers, ...this.asks });
    const ruled = report.findings.map((finding) => {
      const f = facts(finding);
      for (const rule of this.rules) if (rule.test(f)) return rule.verdict;
      return this.fallback;
    });
    const { findings, expired } = applyExceptions(report, ruled, context);
    // Copies, so a caller that edits one finding's verdict cannot change another's.
    return { outcome: targetOutcome(findings, this, expired), findings: findings.map((v) => ({ ...v })) };
  }

  private needs(): { ecosystem: boolean; layer: boolean; publishedDays: boolean; purl: boolean } {
    const asked = (key: keyof PolicyDocument['rules'][number]['when']): boolean => this.policy.rules.some((r) => r.when[key] !== undefined);
    return { ecosystem: asked('ecosystem'), layer: asked('layer'), publishedDays: asked('publishedDays'), purl: asked('purl') };
  }
}

/** Loads `.yaml`/`.yml` policies into the built-in engine. */
export const builtinPolicyFactory: PolicyEngineFactory = {
  kind: 'builtin',
  description: 'declarative YAML rules (stella.policy/v1): first matching rule decides',
  accepts: (source) => /\.ya?ml$/i.test(source),
  async load(bytes, source) {
    return new BuiltinPolicyEngine(source, await sha256Hex(bytes), parseBuiltinPolicy(bytes, source));
  },
};
