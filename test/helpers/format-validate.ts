/**
 * Validates exporter output against the official JSON Schemas kept in
 * `schemas/third-party/` (SARIF 2.1.0, SPDX 2.3, OpenVEX 0.2.0), with ajv
 * and every format the schemas name (`uri`, `date-time`, `iri`, …). A test
 * helper like cyclonedx-validate.ts: ajv compiles with `new Function`, so
 * it stays a devDependency.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { projectRoot } from './paths.js';

type AnyAjv = Ajv.default | Ajv2020.default;

// ajv-formats-draft2019 ships no types: it is a function that adds `iri`, `iri-reference`, `idn-*` and `duration` to an ajv.
const addDraft2019Formats = createRequire(import.meta.url)('ajv-formats-draft2019') as (ajv: AnyAjv) => AnyAjv;

function schema(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(projectRoot, 'schemas', 'third-party', file), 'utf8')) as Record<string, unknown>;
}

/**
 * An absolute IRI as RFC 3987 defines it: a scheme, a colon, and no
 * characters IRIs exclude. ajv-formats-draft2019's `iri` also demands a
 * scheme registered with IANA, which refuses `pkg:` — yet OpenVEX's own
 * examples identify products by purl in `@id`.
 */
const ABSOLUTE_IRI = /^[a-z][a-z0-9+.-]*:[^\s<>"{}|\\^`]+$/i;

function withFormats<T extends AnyAjv>(ajv: T): T {
  addFormats.default(ajv);
  addDraft2019Formats(ajv);
  ajv.addFormat('iri', ABSOLUTE_IRI);
  return ajv;
}

/**
 * The SARIF schema is draft-04, which ajv 8 does not ship. Its keywords
 * mean the same in draft-07 (it has no boolean exclusiveMinimum/Maximum,
 * the one incompatible change), so only `id` → `$id` and the meta-schema
 * reference change.
 */
function sarifAsDraft07(): Record<string, unknown> {
  const { $schema: _meta, id, ...rest } = schema('sarif-schema-2.1.0.json');
  const text = JSON.stringify(rest);
  if (/"exclusive(Minimum|Maximum)":\s*(true|false)/.test(text)) throw new Error('the SARIF schema uses draft-04 boolean exclusive bounds: it cannot be read as draft-07');
  return { ...rest, $id: id };
}

let compiled: { sarif: ValidateFunction; spdx: ValidateFunction; openvex: ValidateFunction } | undefined;

function validators(): NonNullable<typeof compiled> {
  compiled ??= {
    sarif: withFormats(new Ajv.default({ allErrors: true, strict: false })).compile(sarifAsDraft07()),
    spdx: withFormats(new Ajv.default({ allErrors: true, strict: false })).compile(schema('spdx-schema-2.3.json')),
    openvex: withFormats(new Ajv2020.default({ allErrors: true, strict: false })).compile(schema('openvex-0.2.0.schema.json')),
  };
  return compiled;
}

/** The schema errors of `document` (an empty list when it is valid). */
export function schemaErrors(format: 'sarif' | 'spdx' | 'openvex', document: unknown): ErrorObject[] {
  const validate = validators()[format];
  return validate(document) ? [] : [...(validate.errors ?? [])];
}

/**
 * Throws naming the first violations when `text` is not a valid document of `format`.
 *
 * @example assertValid('sarif', await sarifExporter.render(report, {}));
 */
export function assertValid(format: 'sarif' | 'spdx' | 'openvex', text: string): void {
  const errors = schemaErrors(format, JSON.parse(text));
  if (errors.length > 0) throw new Error(`not valid ${format}: ${errors.slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('; ')}`);
}
