/**
 * The policy extension point: one interface every policy engine implements
 * (the built-in YAML rules, an OPA wasm bundle). An engine is loaded once
 * from a policy's bytes and then evaluates reports; it never reads files
 * or clocks itself — the time is passed in, so simulation and tests can
 * evaluate "as of" any moment.
 *
 * Input is the report with VEX already applied (findings carry `status`).
 * Output is a verdict per finding (keyed by its index in `report.findings`)
 * and one for the target. An engine that cannot decide (a trap, a timeout,
 * a malformed answer) returns the target verdict `error`, never `pass`.
 *
 * @example
 *   const engine = await loadPolicy(bytes, 'policies/default.yaml');   // registry.ts: the engine is picked by file name
 *   const decision = await engine.evaluate(report, { now: new Date(), exceptions });
 */
import type { FindingVerdict, PolicyOutcome } from '../model/policy.js';
import type { Report } from '../model/report.js';

/** An exception, parsed from `exceptions/` (schema in schemas/exception.schema.json). */
export interface PolicyException {
  /** `exceptions/<file>#<id>`: how reports and traces name it. */
  ref: string;
  owner: string;
  reason: string;
  /** Vulnerability ids (an alias matches too); empty means any. */
  ids: string[];
  /** purl patterns (`*` wildcards); empty means any. */
  purls: string[];
  /** Target names; empty means any. */
  targets: string[];
  /** The moment it stops applying (required). */
  expires: Date;
}

/** What an evaluation needs besides the report. */
export interface PolicyContext {
  now: Date;
  exceptions: readonly PolicyException[];
}

/** One evaluation's result: `findings[i]` is the verdict of `report.findings[i]`. */
export interface PolicyDecision {
  outcome: PolicyOutcome;
  findings: FindingVerdict[];
}

/** A loaded policy. */
export interface PolicyEngine {
  /** `builtin` or `opa-wasm`: recorded in the report's `policy.engine`. */
  readonly kind: string;
  /** The policy's path (state repo) or file name, recorded as `policy.source`. */
  readonly source: string;
  /** SHA-256 hex of the policy's bytes, recorded as `policy.digest`. */
  readonly digest: string;
  evaluate(report: Report, context: PolicyContext): Promise<PolicyDecision>;
  /** Releases what the engine holds (an OPA pack's worker thread); engines holding nothing omit it. Callers close what they load. */
  close?(): Promise<void>;
}
