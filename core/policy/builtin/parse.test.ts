/**
 * The built-in policy's reader: the documented layout is read as meant,
 * every kind of bad input is refused with one line naming the file and the
 * field, and schemas/policy.schema.json agrees with the reader on each.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseBuiltinPolicy } from './parse.js';

const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'schemas', 'policy.schema.json'), 'utf8')) as object;
const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(schema);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const FILE = 'policies/gate.yaml';

const GOOD = `schema: stella.policy/v1
name: production
default: warn
baseLayers: 1
rules:
  - id: known-exploited
    verdict: fail
    description: exploited in the wild
    when: { kev: true }
  - id: serious-with-fix
    verdict: fail
    when:
      severity: { min: HIGH }
      fixAvailable: true
      status: [affected, under_investigation]
  - id: app-old-medium
    verdict: warn
    when:
      severity: [MEDIUM]
      cvss: { min: 4.0, max: 6.9 }
      epss: { percentile: { min: 0.5 } }
      publishedDays: { min: 30 }
      ecosystem: ['npm', 'Debian:*']
      package: 'lodash*'
      purl: ['pkg:npm/*']
      layer: application
  - id: rest
    verdict: pass
`;

describe('built-in policy reader', () => {
  it('reads the documented layout, in order, and the schema accepts it', () => {
    const policy = parseBuiltinPolicy(bytes(GOOD), FILE);
    expect(policy.defaultVerdict).toBe('warn');
    expect(policy.baseLayers).toBe(1);
    expect(policy.rules.map((r) => `${r.id}:${r.verdict}`)).toEqual(['known-exploited:fail', 'serious-with-fix:fail', 'app-old-medium:warn', 'rest:pass']);
    expect([...(policy.rules[1]?.when.severity ?? [])]).toEqual(['HIGH', 'CRITICAL']);
    expect(policy.rules[2]?.when.package?.map((g) => g.pattern)).toEqual(['lodash*']);
    expect(validate(parse(GOOD)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('without a default, a finding no rule matches passes', () => {
    expect(parseBuiltinPolicy(bytes('schema: stella.policy/v1\n'), FILE).defaultVerdict).toBe('pass');
  });

  const bad: [string, string, RegExp][] = [
    ['an unknown top-level field', 'schema: stella.policy/v1\nrulez: []\n', /^policies\/gate\.yaml: unknown field 'rulez' \(allowed: /],
    ['an unknown condition', 'schema: stella.policy/v1\nrules:\n  - { id: a, verdict: fail, when: { severty: HIGH } }\n', /^policies\/gate\.yaml: rules\[0\]\.when: unknown field 'severty'/],
    ['an invalid purl pattern', "schema: stella.policy/v1\nrules:\n  - { id: a, verdict: fail, when: { purl: 'npm/lodash' } }\n", /^policies\/gate\.yaml: rules\[0\]\.when\.purl: invalid pattern 'npm\/lodash': is not a purl pattern/],
    ['a pattern with whitespace', "schema: stella.policy/v1\nrules:\n  - { id: a, verdict: fail, when: { package: ['left pad'] } }\n", /rules\[0\]\.when\.package\[0\]: invalid pattern 'left pad': contains whitespace/],
    ['an unknown verdict', 'schema: stella.policy/v1\nrules:\n  - { id: a, verdict: block }\n', /rules\[0\]\.verdict: must be one of pass, warn, fail$/],
    ['an unknown severity', 'schema: stella.policy/v1\nrules:\n  - { id: a, verdict: fail, when: { severity: SEVERE } }\n', /rules\[0\]\.when\.severity: must be one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL$/],
    ['a CVSS range above 10', 'schema: stella.policy/v1\nrules:\n  - { id: a, verdict: fail, when: { cvss: { min: 11 } } }\n', /rules\[0\]\.when\.cvss\.min: must be a number from 0 to 10$/],
    ['an empty range', 'schema: stella.policy/v1\nrules:\n  - { id: a, verdict: fail, when: { publishedDays: {} } }\n', /rules\[0\]\.when\.publishedDays: needs 'min' or 'max'$/],
    ['an unknown VEX status', 'schema: stella.policy/v1\nrules:\n  - { id: a, verdict: fail, when: { status: [exploitable] } }\n', /rules\[0\]\.when\.status\[0\]: must be one of affected, not_affected, fixed, under_investigation$/],
    ['a layer rule without baseLayers', 'schema: stella.policy/v1\nrules:\n  - { id: a, verdict: fail, when: { layer: base } }\n', /rules\[0\]\.when\.layer: needs 'baseLayers'/],
    ['a rule id used twice', 'schema: stella.policy/v1\nrules:\n  - { id: a, verdict: fail }\n  - { id: a, verdict: warn }\n', /rules\[1\]\.id: 'a' is used by an earlier rule$/],
    ['a missing schema', 'rules: []\n', /^policies\/gate\.yaml: 'schema' is required$/],
    ['rules that are not a list', 'schema: stella.policy/v1\nrules: { id: a, verdict: fail }\n', /^policies\/gate\.yaml: rules: must be a list$/],
    ['a duplicate key', 'schema: stella.policy/v1\nschema: stella.policy/v1\n', /^policies\/gate\.yaml: not valid YAML \(/],
  ];

  it.each(bad)('refuses %s with one line naming the file and the field; the schema refuses it too', (_name, text, message) => {
    let thrown: unknown;
    try {
      parseBuiltinPolicy(bytes(text), FILE);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'POLICY_INVALID' });
    const line = (thrown as Error).message;
    expect(line).toMatch(message);
    expect(line).not.toContain('\n');
    // The schema sees the same document (a duplicate key aside, which YAML itself refuses first).
    if (!/duplicate key/.test(_name) && !/baseLayers|used twice/.test(_name)) expect(validate(parse(text))).toBe(false);
  });
});
