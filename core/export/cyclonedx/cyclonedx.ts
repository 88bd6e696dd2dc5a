/**
 * Renders `--format cyclonedx` (listed by exporter.ts): the report's components as a
 * CycloneDX 1.6 SBOM (`core/sbom/cyclonedx.ts`), pretty-printed, with the
 * findings as `vulnerabilities` when there are any (`vulnerabilities.ts`;
 * analysis only when a VEX statement set a finding's status). Without
 * findings it is byte for byte the SBOM a scan commits; with them the
 * serial number is derived again, since the document differs.
 *
 * @example
 *   JSON.parse(renderCycloneDx(report)).specVersion; // '1.6'
 */
import type { Report } from '../../model/report.js';
import { buildCycloneDx, serialFrom, type CycloneDxBom } from '../../sbom/cyclonedx.js';
import { sha256 } from '../../sbom/sha256.js';
import { buildVulnerabilities } from './vulnerabilities.js';

/**
 * The SBOM of a report: the same document a scan builds from its inventory,
 * since the report holds that inventory's target, components and tool, plus
 * its findings.
 *
 * @example
 *   renderCycloneDx(report); // '{\n  "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json", …'
 */
export function renderCycloneDx(report: Report): string {
  const bom = buildCycloneDx({ target: report.target, components: report.components, tool: report.tool });
  if (report.findings.length === 0) return `${JSON.stringify(bom, null, 2)}\n`;
  const refs = new Map<string, string[]>();
  for (const component of bom.components ?? []) {
    if (component.purl === undefined || component['bom-ref'] === undefined) continue;
    refs.set(component.purl, [...(refs.get(component.purl) ?? []), component['bom-ref']]);
  }
  const vulnerabilities = buildVulnerabilities(report.findings, { refsOf: (finding) => refs.get(finding.purl) ?? [], analysis: 'explicit' });
  return `${JSON.stringify(reserial({ ...bom, vulnerabilities }), null, 2)}\n`;
}

/**
 * The BOM with a serial number derived from its content without one (as
 * `buildCycloneDx` derives its own).
 *
 * @example reserial({ ...bom, vulnerabilities }).serialNumber !== bom.serialNumber; // true
 */
export function reserial(bom: CycloneDxBom): CycloneDxBom {
  const { serialNumber: _old, ...unsigned } = bom;
  // Assigned in place, so the member order (and so the bytes) stay those of the library's normaliser.
  return { ...bom, serialNumber: serialFrom(sha256(new TextEncoder().encode(JSON.stringify(unsigned)))) };
}
