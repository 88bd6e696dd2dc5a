/**
 * Renders `--format cyclonedx-vex` (listed by exporter.ts): a CycloneDX 1.6 VEX document —
 * the target as `metadata.component`, no component inventory, and one
 * vulnerability per advisory and assessment with its `analysis` (state,
 * justification, response). `affects` points into the SBOM the scan
 * commits (`sbom.cdx.json`, the components-only `buildCycloneDx` of the
 * same report) by BOM-Link: `urn:cdx:<its serial>/1#<bom-ref>`, the way
 * CycloneDX links a separate VEX to its BOM.
 *
 * Deterministic: the serial number is derived from the content; the
 * metadata carries `context.timestamp` only when one is given.
 *
 * @example
 *   JSON.parse(renderCycloneDxVex(report, {})).vulnerabilities[0].analysis.state; // 'exploitable'
 */
import type { Report } from '../../model/report.js';
import { buildCycloneDx } from '../../sbom/cyclonedx.js';
import { reserial } from '../cyclonedx/cyclonedx.js';
import { buildVulnerabilities } from '../cyclonedx/vulnerabilities.js';
import { documentTime } from '../common/timestamp.js';
import type { ExportContext } from '../exporter.js';

/**
 * The VEX BOM as a JSON string.
 *
 * @example renderCycloneDxVex(report, { timestamp: '2025-08-25T10:00:00Z' });
 */
export function renderCycloneDxVex(report: Report, context: ExportContext): string {
  const sbom = buildCycloneDx({ target: report.target, components: report.components, tool: report.tool });
  const serial = (sbom.serialNumber ?? '').replace(/^urn:uuid:/, '');
  const refs = new Map<string, string[]>();
  for (const component of sbom.components ?? []) {
    if (component.purl === undefined || component['bom-ref'] === undefined) continue;
    refs.set(component.purl, [...(refs.get(component.purl) ?? []), `urn:cdx:${serial}/${sbom.version}#${encodeURIComponent(component['bom-ref'])}`]);
  }
  const { os: _os, ...target } = report.target;
  const vex = buildCycloneDx({
    target,
    components: [],
    tool: report.tool,
    ...(context.timestamp === undefined ? {} : { timestamp: documentTime(context, 'cyclonedx-vex') }),
  });
  const vulnerabilities = buildVulnerabilities(report.findings, { refsOf: (finding) => refs.get(finding.purl) ?? [], analysis: 'always' });
  return `${JSON.stringify(reserial({ ...vex, vulnerabilities }), null, 2)}\n`;
}
