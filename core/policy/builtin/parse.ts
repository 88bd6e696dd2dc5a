/**
 * Reads a built-in policy (`policies/*.yaml`, schema in
 * schemas/policy.schema.json). Unknown fields, wrong types and invalid
 * patterns are refused with one line naming the file and the field.
 *
 *     schema: stella.policy/v1
 *     name: production                  # optional
 *     default: pass                     # verdict when no rule matches (pass if omitted)
 *     baseLayers: 1                     # layers 0..baseLayers-1 are the base image (needed by `layer`)
 *     rules:                            # in order: the FIRST rule whose conditions all hold decides
 *       - id: known-exploited
 *         verdict: fail
 *         description: exploited in the wild
 *         when:
 *           kev: true
 *       - id: serious-with-fix
 *         verdict: fail
 *         when:
 *           severity: { min: HIGH }     # or a list: [HIGH, CRITICAL]
 *           fixAvailable: true
 *           status: [affected]          # VEX status; a finding without one is affected
 *       - id: old-medium
 *         verdict: warn
 *         when:
 *           cvss: { min: 4.0 }          # highest CVSS base score of the finding
 *           epss: { percentile: { min: 0.5 } }
 *           publishedDays: { min: 30 }
 *           ecosystem: ['npm', 'Debian:*']
 *           package: ['lodash*']
 *           purl: ['pkg:npm/*']
 *           layer: application          # or base
 *
 * A condition about a fact the finding lacks (no CVSS score, no EPSS, no
 * publication date, no layer) does not hold.
 *
 * @example
 *   const policy = parseBuiltinPolicy(bytes, 'policies/production.yaml');
 */
import type { Verdict } from '../../model/policy.js';
import type { SeverityLevel } from '../../model/severity.js';
import { VEX_STATUSES, type VexStatus } from '../../model/vex.js';
import { Fields, parsePolicyYaml } from '../yaml-fields.js';
import type { Conditions, PolicyDocument, Range, Rule } from './document.js';

/** The `schema` value of a built-in policy. */
export const POLICY_SCHEMA = 'stella.policy/v1';

const VERDICTS: readonly Verdict[] = ['pass', 'warn', 'fail'];
const LEVELS: readonly SeverityLevel[] = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const CONDITIONS = ['severity', 'cvss', 'kev', 'epss', 'fixAvailable', 'publishedDays', 'ecosystem', 'package', 'purl', 'status', 'layer'] as const;
const RULE_ID = /^[a-z0-9][a-z0-9._-]*$/;

/** Parses and checks a built-in policy (see the module comment). */
export function parseBuiltinPolicy(bytes: Uint8Array, file: string): PolicyDocument {
  const fields = new Fields(file);
  const top = fields.object(parsePolicyYaml(bytes, file).value, '', ['schema', 'name', 'description', 'default', 'baseLayers', 'rules']);
  if (fields.required(top, 'schema', '') !== POLICY_SCHEMA) fields.fail('schema', `must be ${POLICY_SCHEMA}`);
  const policy: PolicyDocument = { defaultVerdict: top['default'] === undefined ? 'pass' : fields.choice(top['default'], 'default', VERDICTS), rules: [] };
  if (top['name'] !== undefined) policy.name = fields.string(top['name'], 'name');
  if (top['description'] !== undefined) policy.description = fields.string(top['description'], 'description');
  if (top['baseLayers'] !== undefined) policy.baseLayers = wholeNumber(fields, top['baseLayers'], 'baseLayers');
  const ids = new Set<string>();
  policy.rules = top['rules'] === undefined ? [] : fields.sequence(top['rules'], 'rules', (value, path) => {
    const rule = readRule(fields, value, path);
    if (ids.has(rule.id)) fields.fail(`${path}.id`, `'${rule.id}' is used by an earlier rule`);
    if (rule.when.layer !== undefined && policy.baseLayers === undefined) fields.fail(`${path}.when.layer`, "needs 'baseLayers' at the top of the policy (how many layers the base image has)");
    ids.add(rule.id);
    return rule;
  });
  return policy;
}

function readRule(fields: Fields, value: unknown, path: string): Rule {
  const entry = fields.object(value, path, ['id', 'verdict', 'description', 'when']);
  const id = fields.string(fields.required(entry, 'id', path), `${path}.id`);
  if (!RULE_ID.test(id)) fields.fail(`${path}.id`, `'${id}' must be lowercase letters, digits, '.', '_' or '-'`);
  const rule: Rule = { id, verdict: fields.choice(fields.required(entry, 'verdict', path), `${path}.verdict`, VERDICTS), when: {} };
  if (entry['description'] !== undefined) rule.description = fields.string(entry['description'], `${path}.description`);
  if (entry['when'] !== undefined) rule.when = readConditions(fields, entry['when'], `${path}.when`);
  return rule;
}

function readConditions(fields: Fields, value: unknown, path: string): Conditions {
  const when = fields.object(value, path, CONDITIONS);
  const out: Conditions = {};
  const at = (key: string): string => `${path}.${key}`;
  if (when['severity'] !== undefined) out.severity = severities(fields, when['severity'], at('severity'));
  if (when['cvss'] !== undefined) out.cvss = range(fields, when['cvss'], at('cvss'), 10);
  if (when['kev'] !== undefined) out.kev = fields.boolean(when['kev'], at('kev'));
  if (when['epss'] !== undefined) {
    const epss = fields.object(when['epss'], at('epss'), ['score', 'percentile']);
    if (epss['score'] === undefined && epss['percentile'] === undefined) fields.fail(at('epss'), "needs 'score' or 'percentile'");
    if (epss['score'] !== undefined) out.epssScore = range(fields, epss['score'], at('epss.score'), 1);
    if (epss['percentile'] !== undefined) out.epssPercentile = range(fields, epss['percentile'], at('epss.percentile'), 1);
  }
  if (when['fixAvailable'] !== undefined) out.fixAvailable = fields.boolean(when['fixAvailable'], at('fixAvailable'));
  if (when['publishedDays'] !== undefined) out.publishedDays = range(fields, when['publishedDays'], at('publishedDays'), 36_500);
  if (when['ecosystem'] !== undefined) out.ecosystem = fields.globs(when['ecosystem'], at('ecosystem'), 'ecosystem');
  if (when['package'] !== undefined) out.package = fields.globs(when['package'], at('package'), 'package');
  if (when['purl'] !== undefined) out.purl = fields.globs(when['purl'], at('purl'), 'purl');
  if (when['status'] !== undefined) out.status = new Set(fields.list(when['status'], at('status'), (v, p) => fields.choice<VexStatus>(v, p, VEX_STATUSES)));
  if (when['layer'] !== undefined) out.layer = fields.choice(when['layer'], at('layer'), ['base', 'application'] as const);
  return out;
}

/** A list of levels, or `{ min: LEVEL }` for that level and every more severe one. */
function severities(fields: Fields, value: unknown, path: string): ReadonlySet<SeverityLevel> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const min = fields.choice(fields.required(fields.object(value, path, ['min']), 'min', path), `${path}.min`, LEVELS);
    return new Set(LEVELS.slice(LEVELS.indexOf(min)).filter((level) => level !== 'UNKNOWN'));
  }
  return new Set(fields.list(value, path, (v, p) => fields.choice(v, p, LEVELS)));
}

function range(fields: Fields, value: unknown, path: string, max: number): Range {
  const entry = fields.object(value, path, ['min', 'max']);
  const out: Range = {};
  if (entry['min'] !== undefined) out.min = fields.number(entry['min'], `${path}.min`, 0, max);
  if (entry['max'] !== undefined) out.max = fields.number(entry['max'], `${path}.max`, 0, max);
  if (out.min === undefined && out.max === undefined) fields.fail(path, "needs 'min' or 'max'");
  if (out.min !== undefined && out.max !== undefined && out.min > out.max) fields.fail(path, `min ${out.min} is above max ${out.max}`);
  return out;
}

function wholeNumber(fields: Fields, value: unknown, path: string): number {
  const n = fields.number(value, path, 0, 1000);
  if (!Number.isInteger(n)) fields.fail(path, 'must be a whole number');
  return n;
}
