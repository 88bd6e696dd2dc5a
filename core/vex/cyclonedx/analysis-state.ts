/**
 * CycloneDX analysis in OpenVEX's words (the vocabulary findings carry).
 *
 * | CycloneDX state | status |
 * |---|---|
 * | `resolved`, `resolved_with_pedigree` | `fixed` |
 * | `exploitable` | `affected` |
 * | `in_triage` | `under_investigation` |
 * | `not_affected`, `false_positive` | `not_affected` |
 *
 * Justifications: `code_not_present` → `vulnerable_code_not_present`,
 * `code_not_reachable` → `vulnerable_code_not_in_execute_path`,
 * `requires_dependency` → `component_not_present`, `requires_configuration`
 * and `requires_environment` → `vulnerable_code_cannot_be_controlled_by_adversary`,
 * the four `protected_*` → `inline_mitigations_already_exist`. Where that
 * loses detail, the impact statement keeps CycloneDX's own word.
 *
 * @example
 *   assessment({ state: 'not_affected', justification: 'code_not_reachable' }, {}, fail);
 *   // { status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' }
 */
import type { StellaError } from '../../errors.js';
import type { VexJustification, VexStatus } from '../../model/vex.js';
import { quoted, strings, text, type JsonObject } from '../fields.js';
import type { VexStatement } from '../statement.js';

const STATES: Record<string, VexStatus> = {
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  exploitable: 'affected',
  in_triage: 'under_investigation',
  false_positive: 'not_affected',
  not_affected: 'not_affected',
};

const JUSTIFICATIONS: Record<string, VexJustification> = {
  code_not_present: 'vulnerable_code_not_present',
  code_not_reachable: 'vulnerable_code_not_in_execute_path',
  requires_configuration: 'vulnerable_code_cannot_be_controlled_by_adversary',
  requires_dependency: 'component_not_present',
  requires_environment: 'vulnerable_code_cannot_be_controlled_by_adversary',
  protected_by_compiler: 'inline_mitigations_already_exist',
  protected_at_runtime: 'inline_mitigations_already_exist',
  protected_at_perimeter: 'inline_mitigations_already_exist',
  protected_by_mitigating_control: 'inline_mitigations_already_exist',
};

/** Justifications our vocabulary names exactly: no need to keep CycloneDX's word. */
const EXACT = new Set(['code_not_present', 'code_not_reachable', 'requires_dependency']);

type Assessment = Pick<VexStatement, 'status' | 'justification' | 'impactStatement' | 'actionStatement'>;

/**
 * The status, justification and statements of one analysis; `fail` makes
 * the error for an unknown state or justification.
 */
export function assessment(analysis: JsonObject, vulnerability: JsonObject, fail: (problem: string) => StellaError): Assessment {
  const state = analysis['state'];
  const status = typeof state === 'string' ? STATES[state] : undefined;
  if (status === undefined) throw fail(`unknown analysis.state ${quoted(state)} (${Object.keys(STATES).join(', ')})`);
  const rawJustification = analysis['justification'];
  const justification = typeof rawJustification === 'string' ? JUSTIFICATIONS[rawJustification] : undefined;
  if (rawJustification !== undefined && justification === undefined) throw fail(`unknown analysis.justification ${quoted(rawJustification)}`);
  const detail = text(analysis, 'detail');
  const out: Assessment = { status };
  if (status === 'not_affected') {
    if (justification !== undefined) out.justification = justification;
    const own = typeof rawJustification === 'string' && !EXACT.has(rawJustification) ? `CycloneDX justification: ${rawJustification}.` : undefined;
    const falsePositive = state === 'false_positive' ? 'False positive.' : undefined;
    const impact = [falsePositive, detail, own].filter((part) => part !== undefined).join(' ');
    if (impact !== '') out.impactStatement = impact;
    return out;
  }
  const responses = strings(analysis['response']);
  const action = text(vulnerability, 'recommendation') ?? text(vulnerability, 'workaround') ?? (responses.length > 0 ? `Response: ${responses.join(', ')}.` : undefined) ?? detail;
  if (action !== undefined) out.actionStatement = action;
  return out;
}
