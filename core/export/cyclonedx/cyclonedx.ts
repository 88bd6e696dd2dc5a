/**
 * The `--format cyclonedx` exporter: the report's components as a
 * CycloneDX 1.6 SBOM (`core/sbom/cyclonedx.ts`), pretty-printed. Findings
 * are not part of it; a VEX format carries those.
 *
 * @example
 *   JSON.parse(cyclonedxExporter.render(report, {}) as string).specVersion; // '1.6'
 */
import type { Report } from '../../model/report.js';
import { buildCycloneDx } from '../../sbom/cyclonedx.js';
import type { Exporter } from '../exporter.js';

/**
 * The SBOM of a report: the same document a scan builds from its inventory,
 * since the report holds that inventory's target, components and tool.
 *
 * @example
 *   renderCycloneDx(report); // '{\n  "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json", …'
 */
export function renderCycloneDx(report: Report): string {
  return `${JSON.stringify(buildCycloneDx({ target: report.target, components: report.components, tool: report.tool }), null, 2)}\n`;
}

/**
 * CycloneDX 1.6 JSON of the scanned components.
 *
 * @example
 *   cyclonedxExporter.fileExtension; // '.cdx.json'
 */
export const cyclonedxExporter: Exporter = Object.freeze({
  name: 'cyclonedx',
  description: 'the components as a CycloneDX 1.6 SBOM (JSON)',
  mediaType: 'application/vnd.cyclonedx+json',
  fileExtension: '.cdx.json',
  terminal: false,
  render: (report: Report) => renderCycloneDx(report),
});
