/**
 * OpenVEX documents, versions 0.2.0 (`@context` `https://openvex.dev/ns/v0.2.0`)
 * and 0.0.1 (`https://openvex.dev/ns` or `…/v0.0.1`). 0.0.1 wrote the
 * vulnerability and the products as plain strings and subcomponents at the
 * statement level; 0.2.0 made them objects. Both shapes are read in both
 * versions, as vexctl does.
 *
 * Rules kept from the spec:
 * - status is one of the four; a justification, when given, one of the five;
 * - `not_affected` needs a justification or an impact statement;
 * - every statement needs a time: its own `last_updated` or `timestamp`,
 *   else the document's `timestamp` (statements inherit it). A document
 *   without one is accepted only when every statement carries its own;
 * - every statement names at least one product (a statement about nothing
 *   cannot be applied, and silently dropping it would hide a mistake).
 *
 * @example
 *   const doc = openvexFormat.read({ name: 'vex/app.openvex.json', bytes });
 *   doc.statements[0].status; // 'not_affected'
 */
import { VEX_JUSTIFICATIONS, VEX_STATUSES, type VexJustification, type VexStatus } from '../../model/vex.js';
import { asObject, invalidVex, isObject, list, parseVexJson, quoted, strings, text, type JsonObject, type VexSource } from '../fields.js';
import { headText, type VexFormat } from '../format.js';
import { productFromId } from '../product.js';
import type { ProductMatcher, VexDocument, VexStatement } from '../statement.js';
import { normaliseTimestamp } from '../timestamp.js';

const MAX_BYTES = 16 << 20;
const CONTEXT = /^https:\/\/openvex\.dev\/ns(?:\/v(\d+\.\d+\.\d+))?\/?$/;
const SUPPORTED = ['0.0.1', '0.2.0'];

/** The version a `@context` declares, or undefined when it is not OpenVEX's. */
function versionOf(context: unknown): string | undefined {
  if (typeof context !== 'string') return undefined;
  const m = CONTEXT.exec(context.trim());
  return m === null ? undefined : (m[1] ?? '0.0.1');
}

function readOpenVex(source: VexSource): VexDocument {
  const { name } = source;
  const doc = asObject(parseVexJson(source, MAX_BYTES), name, 'the document');
  const version = versionOf(doc['@context']);
  if (version === undefined) throw invalidVex(name, `@context ${quoted(doc['@context'])} is not an OpenVEX context (https://openvex.dev/ns/v0.2.0)`);
  if (!SUPPORTED.includes(version)) throw invalidVex(name, `OpenVEX ${version} is not supported (${SUPPORTED.join(', ')})`);
  const documentTime = optionalTime(doc, 'timestamp', name, 'the document');
  const statements = list(doc, 'statements', name, 'the document');
  if (statements.length === 0) throw invalidVex(name, 'the document holds no statements');
  return {
    format: 'openvex',
    version,
    name,
    statements: statements.map((value, index) => statement(asObject(value, name, `statement ${index}`), index, documentTime, name)),
    warnings: [],
  };
}

function statement(raw: JsonObject, index: number, documentTime: string | undefined, name: string): VexStatement {
  const where = `statement ${index}`;
  const vulnerability = vulnerabilityOf(raw['vulnerability'], name, where);
  const status = raw['status'];
  if (!(VEX_STATUSES as readonly unknown[]).includes(status)) throw invalidVex(name, `${where} (${vulnerability.id}): unknown status ${quoted(status)} (${VEX_STATUSES.join(', ')})`);
  const justification = raw['justification'];
  if (justification !== undefined && !(VEX_JUSTIFICATIONS as readonly unknown[]).includes(justification)) {
    throw invalidVex(name, `${where} (${vulnerability.id}): unknown justification ${quoted(justification)}`);
  }
  const impact = text(raw, 'impact_statement');
  if (status === 'not_affected' && justification === undefined && impact === undefined) {
    throw invalidVex(name, `${where} (${vulnerability.id}): not_affected needs a justification or an impact_statement`);
  }
  const timestamp = optionalTime(raw, 'last_updated', name, where) ?? optionalTime(raw, 'timestamp', name, where) ?? documentTime;
  if (timestamp === undefined) throw invalidVex(name, `${where} (${vulnerability.id}): no timestamp, and the document has none to inherit (OpenVEX requires the document timestamp)`);
  const products = productsOf(raw, name, where);
  if (products.length === 0) throw invalidVex(name, `${where} (${vulnerability.id}): names no product`);
  const action = text(raw, 'action_statement');
  const id = text(raw, '@id');
  return {
    vulnerability,
    products,
    status: status as VexStatus,
    ...(justification === undefined ? {} : { justification: justification as VexJustification }),
    ...(impact === undefined ? {} : { impactStatement: impact }),
    ...(action === undefined ? {} : { actionStatement: action }),
    timestamp,
    source: `${name}#${id ?? index}`,
  };
}

function vulnerabilityOf(value: unknown, name: string, where: string): VexStatement['vulnerability'] {
  if (typeof value === 'string' && value.trim() !== '') return { id: value.trim(), aliases: [] };
  if (isObject(value)) {
    const id = text(value, 'name');
    if (id !== undefined) return { id: id.trim(), aliases: strings(value['aliases']).filter((alias) => alias !== id) };
  }
  throw invalidVex(name, `${where}: no vulnerability name`);
}

/** Products (0.2.0 objects or 0.0.1 strings), each with its subcomponents (per product, or 0.0.1's per statement). */
function productsOf(raw: JsonObject, name: string, where: string): ProductMatcher[] {
  const shared = list(raw, 'subcomponents', name, where).flatMap(identifiersOf);
  return list(raw, 'products', name, where).flatMap((product): ProductMatcher[] => {
    const self = identifiersOf(product);
    const components = [...shared, ...(isObject(product) ? list(product, 'subcomponents', name, where).flatMap(identifiersOf) : [])];
    return components.length === 0 ? self : [{ $case: 'within', product: self, components }];
  });
}

/** Every identifier of one component: its `@id`, its purl / CPE identifiers, its SHA-256 hash (an image digest). */
function identifiersOf(component: unknown): ProductMatcher[] {
  if (typeof component === 'string') return [productFromId(component)];
  if (!isObject(component)) return [];
  const ids = [text(component, '@id')];
  const identifiers = isObject(component['identifiers']) ? component['identifiers'] : {};
  ids.push(text(identifiers, 'purl'), text(identifiers, 'cpe23'), text(identifiers, 'cpe22'));
  const hashes = isObject(component['hashes']) ? component['hashes'] : {};
  const sha256 = text(hashes, 'sha-256');
  if (sha256 !== undefined) ids.push(`sha256:${sha256.toLowerCase()}`);
  return [...new Set(ids.filter((id): id is string => id !== undefined))].map(productFromId);
}

function optionalTime(object: JsonObject, key: string, name: string, where: string): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  const time = typeof value === 'string' ? normaliseTimestamp(value) : undefined;
  if (time === undefined) throw invalidVex(name, `${where}: ${key} ${quoted(value)} is not an RFC 3339 date-time`);
  return time;
}

/**
 * OpenVEX 0.2.0 and 0.0.1.
 *
 * @example openvexFormat.recognise(new TextEncoder().encode('{"@context": "https://openvex.dev/ns/v0.2.0"')); // true
 */
export const openvexFormat: VexFormat = Object.freeze({
  name: 'openvex',
  description: 'OpenVEX 0.2.0 and 0.0.1 (JSON)',
  maxSourceBytes: MAX_BYTES,
  recognise: (head: Uint8Array) => /"@context"\s*:\s*"https:\/\/openvex\.dev\/ns/.test(headText(head)),
  read: readOpenVex,
});
