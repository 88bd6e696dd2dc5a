/**
 * Reads what `stella/decision` answered. OPA returns a result set: `[]`
 * when the rule is undefined for the input, else `[{"result": value}]`.
 * The value must be, exactly:
 *
 *   { "verdict": "pass" | "warn" | "fail",
 *     "reasons": [string, …],
 *     "findings": [{ "index": n, "verdict": …, "rule"?: string, "reason": string }, …] }
 *
 * `index` is the finding's position in the input's `findings`; a finding
 * not listed passes. Anything else — a missing field, an unknown verdict,
 * an index out of range or given twice — is a malformed answer: the
 * target's verdict becomes `error`, never a guess.
 *
 * @example
 *   const answer = readDecision(resultSet, report.findings.length, 'policies/team.tar.gz: policy.wasm');
 *   answer.findings.get(3); // { verdict: 'fail', rule: 'kev', reason: '…' }
 */
import { StellaError } from '../../errors.js';
import type { FindingVerdict, Verdict } from '../../model/policy.js';
import { STELLA_ENTRYPOINT } from './bundle.js';

/** A well-formed answer. */
export interface OpaAnswer {
  verdict: Verdict;
  reasons: string[];
  /** Verdicts by finding index (only the findings the policy named). */
  findings: Map<number, FindingVerdict>;
}

const VERDICTS: readonly Verdict[] = ['pass', 'warn', 'fail'];
const MAX_TEXT = 1000;
const MAX_REASONS = 100;

/** Checks the result set against the contract above; POLICY_ERROR naming `where` and the first problem. */
export function readDecision(resultSet: unknown, findingCount: number, where: string): OpaAnswer {
  const bad = (problem: string): StellaError => new StellaError('POLICY_ERROR', `${where}: malformed ${STELLA_ENTRYPOINT} answer: ${problem}`);
  if (!Array.isArray(resultSet)) throw bad('the result set is not a list');
  if (resultSet.length === 0) throw new StellaError('POLICY_ERROR', `${where}: ${STELLA_ENTRYPOINT} is undefined for this report (give it a default)`);
  const first: unknown = resultSet[0];
  if (resultSet.length > 1 || !isObject(first) || !('result' in first)) throw bad('expected one result');
  const value = first['result'];
  if (!isObject(value)) throw bad('the result is not an object');
  const verdict = readVerdict(value['verdict'], 'verdict', bad);
  const reasons = value['reasons'];
  if (!Array.isArray(reasons) || reasons.length > MAX_REASONS || !reasons.every((r) => isText(r))) {
    throw bad(`reasons must be a list of at most ${MAX_REASONS} strings of at most ${MAX_TEXT} characters`);
  }
  const list = value['findings'];
  if (!Array.isArray(list)) throw bad('findings is not a list');
  const findings = new Map<number, FindingVerdict>();
  list.forEach((item: unknown, i: number) => {
    const at = `findings[${i}]`;
    if (!isObject(item)) throw bad(`${at} is not an object`);
    const index = item['index'];
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= findingCount) {
      throw bad(`${at}.index ${shown(index)} is not the index of one of the report's ${findingCount} findings`);
    }
    if (findings.has(index)) throw bad(`${at}.index ${index} is given twice`);
    const reason = item['reason'];
    if (!isText(reason) || reason === '') throw bad(`${at}.reason must be a non-empty string of at most ${MAX_TEXT} characters`);
    const rule = item['rule'];
    if (rule !== undefined && (!isText(rule) || rule === '')) throw bad(`${at}.rule must be a non-empty string`);
    const entry: FindingVerdict = { verdict: readVerdict(item['verdict'], `${at}.verdict`, bad), reason };
    if (typeof rule === 'string') entry.rule = rule;
    findings.set(index, entry);
  });
  return { verdict, reasons: reasons as string[], findings };
}

function readVerdict(value: unknown, at: string, bad: (problem: string) => StellaError): Verdict {
  const found = VERDICTS.find((v) => v === value);
  if (found === undefined) throw bad(`${at} ${shown(value)} is not one of ${VERDICTS.join(', ')}`);
  return found;
}

/** A value as JSON for a one-line message, cut short. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TEXT;
}
