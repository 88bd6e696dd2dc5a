/**
 * The `--format spdx` exporter: the report's components as an SPDX 2.3
 * JSON document, valid against the official schema. One package for the
 * target (what the document DESCRIBES), one per component with its purl as
 * a PACKAGE-MANAGER external reference, and the target CONTAINS each of
 * them (and the operating system, when known).
 *
 * Deterministic: SPDX ids hash what tells components apart, and the
 * `documentNamespace` (which SPDX wants unique per document) is derived
 * from the target digest and the document's content. `created` is the
 * context's timestamp or the fixed epoch of `common/timestamp.ts`.
 *
 * @example
 *   JSON.parse(await spdxExporter.render(report, {}) as string).spdxVersion; // 'SPDX-2.3'
 */
import type { Report, ReportComponent, ReportTarget } from '../../model/report.js';
import { sha256 } from '../../sbom/sha256.js';
import { hexEncode } from '../../sign/encoding.js';
import { compareText, componentKey, rankLocations } from '../common/components.js';
import { documentTime } from '../common/timestamp.js';
import type { ExportContext, Exporter } from '../exporter.js';

/** The SPDX 2.3 package fields we write. */
interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: 'NOASSERTION';
  filesAnalyzed: false;
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: 'NOASSERTION';
  copyrightText: 'NOASSERTION';
  primaryPackagePurpose?: string;
  sourceInfo?: string;
  checksums?: { algorithm: 'SHA256'; checksumValue: string }[];
  externalRefs?: { referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }[];
}

const TARGET_ID = 'SPDXRef-Target';
const hash = (text: string): string => hexEncode(sha256(new TextEncoder().encode(text)));
/** SPDX ids admit letters, digits, `.` and `-` only. */
const idPart = (text: string): string => text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);

/**
 * The SPDX document as a JSON value.
 *
 * @example buildSpdx(report, {}).relationships[0]; // { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Target' }
 */
export function buildSpdx(report: Report, context: ExportContext): Record<string, unknown> {
  const components = [...report.components].sort((a, b) => compareText(componentKey(a), componentKey(b)));
  const packages = [targetPackage(report.target), ...osPackage(report.target), ...components.map(componentPackage)];
  const unique = dedupe(packages);
  const relationships = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: TARGET_ID },
    ...unique.filter((p) => p.SPDXID !== TARGET_ID).map((p) => ({ spdxElementId: TARGET_ID, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
  ];
  const body = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: report.target.name,
    creationInfo: { created: documentTime(context, 'spdx'), creators: [`Tool: ${report.tool.name}-${report.tool.version}`] },
    packages: unique,
    relationships,
  };
  const digest = /^sha256:([0-9a-f]{64})$/.exec(report.target.digest)?.[1] ?? hash(report.target.digest);
  const namespace = `https://stella-mesh.invalid/spdx/${idPart(report.target.name) || 'target'}/${digest}-${hash(JSON.stringify(body)).slice(0, 16)}`;
  return { ...body, documentNamespace: namespace };
}

function purpose(kind: string): string {
  if (/oci|docker|image|container/i.test(kind)) return 'CONTAINER';
  if (/sbom/i.test(kind)) return 'APPLICATION';
  return /dir|rootfs|filesystem/i.test(kind) ? 'FILE' : 'APPLICATION';
}

function targetPackage(target: ReportTarget): SpdxPackage {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(target.digest)?.[1];
  return {
    ...base(TARGET_ID, target.name),
    primaryPackagePurpose: purpose(target.kind),
    sourceInfo: `scanned as ${target.kind}, digest ${target.digest}`,
    ...(hex === undefined ? {} : { checksums: [{ algorithm: 'SHA256' as const, checksumValue: hex }] }),
  };
}

function osPackage(target: ReportTarget): SpdxPackage[] {
  if (target.os === undefined) return [];
  const version = target.os.versionId ?? target.os.versionCodename;
  return [{ ...base(`SPDXRef-OperatingSystem-${idPart(target.os.id)}`, target.os.id), ...(version === undefined ? {} : { versionInfo: version }), primaryPackagePurpose: 'OPERATING_SYSTEM' }];
}

function componentPackage(component: ReportComponent): SpdxPackage {
  const id = `SPDXRef-Package-${idPart(component.type)}-${idPart(component.name)}-${hash(componentKey(component)).slice(0, 16)}`;
  const files = rankLocations(component.locations ?? []);
  const where = [...(files.length === 0 ? [] : [`recorded in ${files.join(', ')}`]), ...(component.layer === undefined ? [] : [`layer ${component.layer}`])];
  return {
    ...base(id, component.name),
    ...(component.version === '' ? {} : { versionInfo: component.version }),
    primaryPackagePurpose: 'LIBRARY',
    ...(where.length === 0 ? {} : { sourceInfo: where.join('; ') }),
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: component.purl }],
  };
}

function base(id: string, name: string): Pick<SpdxPackage, 'SPDXID' | 'name' | 'downloadLocation' | 'filesAnalyzed' | 'licenseConcluded' | 'licenseDeclared' | 'copyrightText'> {
  // Nothing about licences or origins is known from a scan: SPDX's way to say so is NOASSERTION.
  return { SPDXID: id, name, downloadLocation: 'NOASSERTION', filesAnalyzed: false, licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION', copyrightText: 'NOASSERTION' };
}

/** Exact repeats (the same purl, layer and files twice) hash to one id: keep the first. */
function dedupe(packages: readonly SpdxPackage[]): SpdxPackage[] {
  const seen = new Set<string>();
  return packages.filter((p) => !seen.has(p.SPDXID) && seen.add(p.SPDXID) !== undefined);
}

/**
 * SPDX 2.3 JSON of the scanned components.
 *
 * @example spdxExporter.fileExtension; // '.spdx.json'
 */
export const spdxExporter: Exporter = Object.freeze({
  name: 'spdx',
  description: 'the components as an SPDX 2.3 document (JSON)',
  mediaType: 'application/spdx+json',
  fileExtension: '.spdx.json',
  terminal: false,
  usesTimestamp: true,
  render: (report: Report, context: ExportContext) => `${JSON.stringify(buildSpdx(report, context), null, 2)}\n`,
});
