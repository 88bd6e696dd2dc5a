/**
 * CSAF 2.0 documents of the VEX profile (`document.category` `csaf_vex`).
 * Each vulnerability's `product_status` gives one statement per product:
 * `known_affected` (and `first_affected`, `last_affected`) → affected,
 * `known_not_affected` → not_affected, `fixed` and `first_fixed` → fixed,
 * `under_investigation` → under_investigation. Per product, the
 * justification is a `flags[].label` (CSAF uses OpenVEX's five words), the
 * impact statement a `threats[]` entry of category `impact`, and the
 * action statement the `remediations[]` naming it (directly or through a
 * product group). The profile's rules are kept: a not-affected product
 * needs a flag or an impact threat, an affected one a remediation.
 *
 * The time of every statement is `document.tracking.current_release_date`,
 * which CSAF requires: a document without it is refused.
 *
 * @example
 *   csafVexFormat.read({ name: 'vex/rhsa.json', bytes }).statements.length; // products × vulnerabilities
 */
import { VEX_JUSTIFICATIONS, type VexJustification, type VexStatus } from '../../model/vex.js';
import { asObject, invalidVex, isObject, list, parseVexJson, quoted, strings, text, type JsonObject, type VexSource } from '../fields.js';
import { headText, type VexFormat } from '../format.js';
import type { VexDocument, VexStatement } from '../statement.js';
import { normaliseTimestamp } from '../timestamp.js';
import { productTree, type ProductTree } from './product-tree.js';

const MAX_BYTES = 64 << 20;

const STATUS: Record<string, VexStatus> = {
  known_affected: 'affected',
  first_affected: 'affected',
  last_affected: 'affected',
  known_not_affected: 'not_affected',
  fixed: 'fixed',
  first_fixed: 'fixed',
  under_investigation: 'under_investigation',
};

function readCsaf(source: VexSource): VexDocument {
  const { name } = source;
  const doc = asObject(parseVexJson(source, MAX_BYTES), name, 'the document');
  const document = asObject(doc['document'], name, 'document');
  const version = text(document, 'csaf_version');
  if (version !== '2.0') throw invalidVex(name, `CSAF version ${quoted(document['csaf_version'])} is not supported (2.0)`);
  const category = text(document, 'category');
  if (category !== 'csaf_vex') throw invalidVex(name, `document.category ${quoted(document['category'])} is not csaf_vex: only the CSAF VEX profile is read`);
  const tracking = isObject(document['tracking']) ? document['tracking'] : {};
  const released = text(tracking, 'current_release_date');
  if (released === undefined) throw invalidVex(name, 'no document.tracking.current_release_date (CSAF requires it)');
  const timestamp = normaliseTimestamp(released);
  if (timestamp === undefined) throw invalidVex(name, `document.tracking.current_release_date ${quoted(released)} is not a date-time`);
  const tree = productTree(doc, name);
  const vulnerabilities = list(doc, 'vulnerabilities', name, 'the document');
  if (vulnerabilities.length === 0) throw invalidVex(name, 'holds no vulnerabilities');
  const statements = vulnerabilities.flatMap((value, index) => vulnerabilityStatements(asObject(value, name, `vulnerabilities[${index}]`), index, { name, tree, timestamp }));
  if (statements.length === 0) throw invalidVex(name, 'no vulnerability has a product_status: nothing is stated');
  return { format: 'csaf-vex', version, name, statements, warnings: [] };
}

interface Context {
  name: string;
  tree: ProductTree;
  timestamp: string;
}

function vulnerabilityStatements(vulnerability: JsonObject, index: number, context: Context): VexStatement[] {
  const { name, tree } = context;
  const ids = [text(vulnerability, 'cve'), ...list(vulnerability, 'ids', name, `vulnerabilities[${index}]`).map((id) => (isObject(id) ? text(id, 'text') : undefined))];
  const [id, ...aliases] = [...new Set(ids.filter((v): v is string => v !== undefined))];
  const where = `vulnerabilities[${index}]${id === undefined ? '' : ` (${id})`}`;
  if (id === undefined) throw invalidVex(name, `${where}: neither cve nor ids`);
  const status = isObject(vulnerability['product_status']) ? vulnerability['product_status'] : {};
  const out: VexStatement[] = [];
  for (const [key, value] of Object.entries(status)) {
    const vexStatus = STATUS[key];
    if (vexStatus === undefined) {
      if (key === 'recommended') continue;
      throw invalidVex(name, `${where}: unknown product_status ${quoted(key)}`);
    }
    for (const product of strings(value)) {
      const products = tree.products.get(product);
      if (products === undefined) throw invalidVex(name, `${where}: product ${quoted(product)} is not in the product tree`);
      const statement: VexStatement = { vulnerability: { id, aliases }, products, status: vexStatus, timestamp: context.timestamp, source: `${name}#${id}/${product}` };
      describe(statement, vulnerability, product, tree, (problem) => invalidVex(name, `${where}: ${problem}`));
      out.push(statement);
    }
  }
  return out;
}

/** Adds the product's justification, impact and action; enforces the profile's rules for them. */
function describe(statement: VexStatement, vulnerability: JsonObject, product: string, tree: ProductTree, fail: (problem: string) => Error): void {
  const concerns = (entry: JsonObject): boolean =>
    strings(entry['product_ids']).includes(product) || strings(entry['group_ids']).some((group) => (tree.groups.get(group) ?? []).includes(product));
  const flag = (Array.isArray(vulnerability['flags']) ? vulnerability['flags'] : []).filter(isObject).find(concerns);
  const label = flag === undefined ? undefined : flag['label'];
  if (label !== undefined && !(VEX_JUSTIFICATIONS as readonly unknown[]).includes(label)) throw fail(`unknown flag label ${quoted(label)}`);
  const threats = (Array.isArray(vulnerability['threats']) ? vulnerability['threats'] : []).filter(isObject).filter((t) => t['category'] === 'impact' && concerns(t));
  const impact = threats.map((t) => text(t, 'details')).filter((d): d is string => d !== undefined).join(' ');
  const remediations = (Array.isArray(vulnerability['remediations']) ? vulnerability['remediations'] : []).filter(isObject).filter(concerns);
  const action = remediations.map((r) => `${text(r, 'category') ?? 'remediation'}: ${text(r, 'details') ?? ''}`.trim()).join(' ');
  if (statement.status === 'not_affected') {
    if (label === undefined && impact === '') throw fail(`known_not_affected product ${quoted(product)} has neither a flag nor an impact threat (the VEX profile requires one)`);
    if (label !== undefined) statement.justification = label as VexJustification;
    if (impact !== '') statement.impactStatement = impact;
  } else if (action !== '') {
    statement.actionStatement = action;
  } else if (statement.status === 'affected') {
    throw fail(`known_affected product ${quoted(product)} has no remediation (the VEX profile requires one)`);
  }
}

/**
 * CSAF 2.0, VEX profile.
 *
 * @example csafVexFormat.recognise(new TextEncoder().encode('{"document": {"category": "csaf_vex", "csaf_version": "2.0"')); // true
 */
export const csafVexFormat: VexFormat = Object.freeze({
  name: 'csaf-vex',
  description: 'CSAF 2.0 documents of the VEX profile (JSON)',
  maxSourceBytes: MAX_BYTES,
  recognise: (head: Uint8Array) => /"csaf_version"\s*:/.test(headText(head)),
  read: readCsaf,
});
