/**
 * CycloneDX VEX, spec versions 1.4–1.6: each `vulnerabilities[]` entry with
 * an `analysis.state` is one statement about the components its `affects`
 * name. A ref is resolved against the document's own components (nested
 * ones and `metadata.component` too) by `bom-ref`, and stands for the
 * component's purl; a ref that is itself a purl is taken as one; a
 * BOM-Link into another BOM cannot be resolved here and matches nothing.
 * `affects[].versions[].version` narrows a versionless purl to those
 * versions (ranges are not evaluated, so a ref given only by ranges
 * matches nothing rather than every version).
 *
 * States and justifications in OpenVEX's words (analysis-state.ts).
 * CycloneDX requires no time; the statement's is the analysis'
 * `lastUpdated`, else the vulnerability's `updated`, the analysis'
 * `firstIssued`, the vulnerability's `published` or `created`, else the
 * document's `metadata.timestamp`; with none it ranks oldest.
 *
 * @example
 *   cyclonedxVexFormat.read({ name: 'vex.cdx.json', bytes }).statements[0].status; // 'not_affected'
 */
import { asObject, invalidVex, isObject, list, parseVexJson, quoted, text, type JsonObject, type VexSource } from '../fields.js';
import { headText, type VexFormat } from '../format.js';
import { productFromId } from '../product.js';
import type { ProductMatcher, VexDocument, VexStatement } from '../statement.js';
import { normaliseTimestamp } from '../timestamp.js';
import { assessment } from './analysis-state.js';

const MAX_BYTES = 64 << 20;
const SUPPORTED = ['1.4', '1.5', '1.6'];

function readCycloneDxVex(source: VexSource): VexDocument {
  const { name } = source;
  const doc = asObject(parseVexJson(source, MAX_BYTES), name, 'the document');
  if (doc['bomFormat'] !== 'CycloneDX') throw invalidVex(name, 'not a CycloneDX document (no "bomFormat": "CycloneDX")');
  const version = typeof doc['specVersion'] === 'string' ? doc['specVersion'] : '';
  if (!SUPPORTED.includes(version)) throw invalidVex(name, `CycloneDX specVersion ${quoted(doc['specVersion'])} is not supported for VEX (${SUPPORTED.join(', ')})`);
  const vulnerabilities = list(doc, 'vulnerabilities', name, 'the document');
  if (vulnerabilities.length === 0) throw invalidVex(name, 'holds no vulnerabilities: a CycloneDX BOM without VEX statements');
  const metadata = isObject(doc['metadata']) ? doc['metadata'] : {};
  const documentTime = time(metadata, 'timestamp', name, 'metadata');
  const refs = componentRefs(doc);
  const statements: VexStatement[] = [];
  const warnings: string[] = [];
  vulnerabilities.forEach((value, index) => {
    const vulnerability = asObject(value, name, `vulnerabilities[${index}]`);
    if (!isObject(vulnerability['analysis']) || vulnerability['analysis']['state'] === undefined) {
      warnings.push(`${name}: vulnerabilities[${index}] (${text(vulnerability, 'id') ?? 'no id'}) has no analysis.state, so it states nothing and was skipped`);
      return;
    }
    statements.push(statement(vulnerability, index, { name, refs, documentTime }));
  });
  if (statements.length === 0) throw invalidVex(name, 'no vulnerability carries an analysis.state: a vulnerability report, not VEX');
  return { format: 'cyclonedx-vex', version, name, statements, warnings };
}

interface Context {
  name: string;
  refs: Map<string, JsonObject>;
  documentTime: string | undefined;
}

function statement(vulnerability: JsonObject, index: number, context: Context): VexStatement {
  const { name } = context;
  const where = `vulnerabilities[${index}]`;
  const id = text(vulnerability, 'id');
  if (id === undefined) throw invalidVex(name, `${where}: no id`);
  const analysis = vulnerability['analysis'] as JsonObject;
  const vex = assessment(analysis, vulnerability, (problem) => invalidVex(name, `${where} (${id}): ${problem}`));
  const aliases = list(vulnerability, 'references', name, where)
    .map((reference) => (isObject(reference) ? text(reference, 'id') : undefined))
    .filter((alias): alias is string => alias !== undefined && alias !== id);
  const products = list(vulnerability, 'affects', name, where).flatMap((affect) => affected(affect, context));
  if (products.length === 0) throw invalidVex(name, `${where} (${id}): affects names no component`);
  const timestamp =
    time(analysis, 'lastUpdated', name, where) ??
    time(vulnerability, 'updated', name, where) ??
    time(analysis, 'firstIssued', name, where) ??
    time(vulnerability, 'published', name, where) ??
    time(vulnerability, 'created', name, where) ??
    context.documentTime;
  const bomRef = text(vulnerability, 'bom-ref');
  return {
    vulnerability: { id, aliases: [...new Set(aliases)] },
    products,
    ...vex,
    ...(timestamp === undefined ? {} : { timestamp }),
    source: `${name}#${bomRef ?? index}`,
  };
}

/** The matchers of one `affects` entry. */
function affected(affect: unknown, context: Context): ProductMatcher[] {
  if (!isObject(affect)) return [];
  const ref = text(affect, 'ref');
  if (ref === undefined) return [];
  const component = context.refs.get(ref);
  const purl = component === undefined ? (ref.startsWith('pkg:') ? ref : undefined) : text(component, 'purl');
  if (purl === undefined) return [{ $case: 'other', id: component === undefined ? ref : `${ref} (${text(component, 'name') ?? 'no name'}, no purl)` }];
  const base = productFromId(purl);
  const versions = Array.isArray(affect['versions']) ? affect['versions'].filter(isObject) : [];
  if (versions.length === 0 || base.$case !== 'purl' || base.purl.version !== undefined) return [base];
  const exact = versions.map((entry) => text(entry, 'version')).filter((version): version is string => version !== undefined);
  if (exact.length === 0) return [{ $case: 'other', id: `${purl} (version ranges only)` }];
  return exact.map((version) => ({ $case: 'purl', purl: { ...base.purl, version }, raw: `${purl}@${version}` }));
}

/** Every component with a bom-ref, nested ones and the metadata component included. */
function componentRefs(doc: JsonObject): Map<string, JsonObject> {
  const refs = new Map<string, JsonObject>();
  const metadata = isObject(doc['metadata']) ? doc['metadata'] : {};
  const queue: unknown[] = [metadata['component'], ...(Array.isArray(doc['components']) ? doc['components'] : [])];
  // A growing list, not recursion: nesting is capped by the JSON depth limit already, but a list needs no stack at all.
  for (let i = 0; i < queue.length; i++) {
    const component = queue[i];
    if (!isObject(component)) continue;
    const ref = text(component, 'bom-ref');
    if (ref !== undefined && !refs.has(ref)) refs.set(ref, component);
    if (Array.isArray(component['components'])) queue.push(...component['components']);
  }
  return refs;
}

function time(object: JsonObject, key: string, name: string, where: string): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  const normalised = typeof value === 'string' ? normaliseTimestamp(value) : undefined;
  if (normalised === undefined) throw invalidVex(name, `${where}: ${key} ${quoted(value)} is not a date-time`);
  return normalised;
}

/**
 * CycloneDX 1.4–1.6 VEX (`vulnerabilities[].analysis`).
 *
 * @example cyclonedxVexFormat.recognise(new TextEncoder().encode('{"bomFormat": "CycloneDX", "specVersion": "1.6"')); // true
 */
export const cyclonedxVexFormat: VexFormat = Object.freeze({
  name: 'cyclonedx-vex',
  description: 'CycloneDX 1.4–1.6 VEX: vulnerabilities[].analysis (JSON)',
  maxSourceBytes: MAX_BYTES,
  recognise: (head: Uint8Array) => /"bomFormat"\s*:\s*"CycloneDX"/.test(headText(head)),
  read: readCycloneDxVex,
});
