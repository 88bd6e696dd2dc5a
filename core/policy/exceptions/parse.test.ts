/**
 * Exception files: the documented layout is read, refs name file and id,
 * and an exception without an expiry, with a bad date, without a scope or
 * with an invalid pattern is refused in one line naming the file; the
 * schema in schemas/exception.schema.json agrees.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseExceptionsFile } from './parse.js';

const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'schemas', 'exception.schema.json'), 'utf8')) as object;
const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(schema);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const FILE = 'exceptions/web.yaml';

const entry = (fields: string): string => `schema: stella.exceptions/v1\nexceptions:\n  - id: lodash\n    owner: web-team\n    reason: constant keys only\n${fields}`;
const GOOD = entry("    expires: 2026-06-30\n    scope:\n      ids: [CVE-2020-8203]\n      purls: ['pkg:npm/lodash@*']\n      targets: ['debian-node*']\n");

describe('exception files', () => {
  it('reads the documented layout; the ref is file#id and a date applies through that day', () => {
    const [exception] = parseExceptionsFile(bytes(GOOD), FILE);
    expect(exception).toEqual({
      ref: 'exceptions/web.yaml#lodash',
      owner: 'web-team',
      reason: 'constant keys only',
      ids: ['CVE-2020-8203'],
      purls: ['pkg:npm/lodash@*'],
      targets: ['debian-node*'],
      expires: new Date('2026-07-01T00:00:00Z'),
    });
    expect(validate(parse(GOOD)), JSON.stringify(validate.errors)).toBe(true);
  });

  const bad: [string, string, RegExp][] = [
    ['no expiry', entry('    scope: { ids: [CVE-2020-8203] }\n'), /^exceptions\/web\.yaml: exceptions\[0\]: 'expires' is required: every exception must end$/],
    ['a date that does not exist', entry('    expires: 2026-02-30\n    scope: { ids: [CVE-2020-8203] }\n'), /^exceptions\/web\.yaml: exceptions\[0\]\.expires: '2026-02-30' is not a real date$/],
    ['a date in another format', entry('    expires: 30/06/2026\n    scope: { ids: [CVE-2020-8203] }\n'), /exceptions\[0\]\.expires: '30\/06\/2026' is not a date \(YYYY-MM-DD\)/],
    ['a scope of targets only', entry("    expires: 2026-06-30\n    scope: { targets: ['*'] }\n"), /exceptions\[0\]\.scope: must name ids or purls/],
    ['an invalid purl pattern', entry("    expires: 2026-06-30\n    scope: { purls: ['lodash'] }\n"), /exceptions\[0\]\.scope\.purls\[0\]: invalid pattern 'lodash': is not a purl pattern/],
    ['a wildcard id', entry("    expires: 2026-06-30\n    scope: { ids: ['CVE-2020-*'] }\n"), /exceptions\[0\]\.scope\.ids\[0\]: 'CVE-2020-\*' is not a vulnerability id/],
    ['an unknown field', entry('    expires: 2026-06-30\n    approved: yes\n    scope: { ids: [CVE-2020-8203] }\n'), /exceptions\[0\]: unknown field 'approved'/],
    ['no owner', 'schema: stella.exceptions/v1\nexceptions:\n  - { id: a, reason: r, expires: 2026-06-30, scope: { ids: [X-1] } }\n', /exceptions\[0\]: 'owner' is required$/],
  ];

  it.each(bad)('refuses %s in one line naming the file; the schema refuses it too', (_name, text, message) => {
    let thrown: unknown;
    try {
      parseExceptionsFile(bytes(text), FILE);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'POLICY_INVALID' });
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
    // Calendar checks (Feb 30) are beyond a JSON Schema pattern.
    if (!/not exist/.test(_name)) expect(validate(parse(text))).toBe(false);
  });
});
