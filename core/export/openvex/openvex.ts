/**
 * The `--format openvex` exporter: the findings as an OpenVEX 0.2.0
 * document, one statement per finding (advisory and package purl),
 * sorted. A finding's status is `affected` unless a VEX statement set
 * another (`common/vex-status.ts`), and its justification, impact and
 * action statements are carried through whatever the status, with the
 * statement's source in `status_notes`; `affected` always has an action
 * statement (OpenVEX requires one), taken from the fixed version when no
 * VEX statement gave one.
 *
 * Deterministic: `@id` is a hash of the statements and the target digest;
 * `timestamp` is the context's or the fixed epoch (`common/timestamp.ts`).
 * A report without findings gives a document with no statements, as
 * OpenVEX tooling writes one (the 0.2.0 schema's `minItems: 1` makes that
 * one schema error, which the contract suite allows for this case alone).
 *
 * @example
 *   JSON.parse(await openvexExporter.render(report, {}) as string).statements[0].status; // 'affected'
 */
import type { Finding, Report } from '../../model/report.js';
import { sha256 } from '../../sbom/sha256.js';
import { hexEncode } from '../../sign/encoding.js';
import { advisoryIds, advisoryUrl } from '../common/advisory.js';
import { compareText } from '../common/components.js';
import { documentTime } from '../common/timestamp.js';
import { assessmentOf } from '../common/vex-status.js';
import type { ExportContext, Exporter } from '../exporter.js';

const CONTEXT = 'https://openvex.dev/ns/v0.2.0';

/** One OpenVEX statement as we write it. */
interface Statement {
  vulnerability: { '@id': string; name: string; description?: string; aliases?: string[] };
  products: { '@id': string; identifiers: { purl: string } }[];
  status: string;
  justification?: string;
  impact_statement?: string;
  action_statement?: string;
  status_notes?: string;
}

/**
 * The OpenVEX document as a JSON value.
 *
 * @example buildOpenVex(report, {})['@id']; // 'urn:stella:openvex:sha256:…'
 */
export function buildOpenVex(report: Report, context: ExportContext): Record<string, unknown> {
  const statements = [...report.findings].sort((a, b) => compareText(a.id, b.id) || compareText(a.purl, b.purl)).map(statement);
  const id = `urn:stella:openvex:sha256:${hexEncode(sha256(new TextEncoder().encode(JSON.stringify({ target: report.target.digest, statements }))))}`;
  return {
    '@context': CONTEXT,
    '@id': id,
    author: `${report.tool.name} ${report.tool.version}`,
    role: 'scanner',
    timestamp: documentTime(context, 'openvex'),
    version: 1,
    tooling: `${report.tool.name} ${report.tool.version}, scanning ${report.target.name} (${report.target.digest})`,
    statements,
  };
}

function statement(finding: Finding): Statement {
  const vex = assessmentOf(finding);
  const aliases = advisoryIds(finding).slice(1);
  return {
    vulnerability: {
      '@id': advisoryUrl(finding.id),
      name: finding.id,
      ...(finding.summary === undefined ? {} : { description: finding.summary }),
      ...(aliases.length === 0 ? {} : { aliases }),
    },
    products: [{ '@id': finding.purl, identifiers: { purl: finding.purl } }],
    status: vex.status,
    ...(vex.justification === undefined ? {} : { justification: vex.justification }),
    ...(vex.impactStatement === undefined ? {} : { impact_statement: vex.impactStatement }),
    // Required for affected (assessmentOf always gives one there); carried for any other status a statement gave one for.
    ...(vex.actionStatement === undefined ? {} : { action_statement: vex.actionStatement }),
    ...(vex.statusSource === undefined ? {} : { status_notes: `status from ${vex.statusSource}` }),
  };
}

/**
 * OpenVEX 0.2.0 of the findings.
 *
 * @example openvexExporter.fileExtension; // '.openvex.json'
 */
export const openvexExporter: Exporter = Object.freeze({
  name: 'openvex',
  description: 'findings as OpenVEX 0.2.0 statements (JSON)',
  mediaType: 'application/json',
  fileExtension: '.openvex.json',
  terminal: false,
  usesTimestamp: true,
  render: (report: Report, context: ExportContext) => `${JSON.stringify(buildOpenVex(report, context), null, 2)}\n`,
});
