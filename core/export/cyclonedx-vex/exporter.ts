/**
 * The `--format cyclonedx-vex` exporter as the registry lists it. Rendering
 * (cyclonedx-vex.ts) needs the CycloneDX library, which is loaded on the
 * first render, as for `--format cyclonedx` (../cyclonedx/exporter.ts).
 *
 * @example
 *   JSON.parse((await cyclonedxVexExporter.render(report, {})) as string).vulnerabilities[0].analysis.state; // 'exploitable'
 */
import type { Report } from '../../model/report.js';
import type { ExportContext, Exporter } from '../exporter.js';

/**
 * CycloneDX 1.6 VEX of the findings.
 *
 * @example cyclonedxVexExporter.fileExtension; // '.vex.cdx.json'
 */
export const cyclonedxVexExporter: Exporter = Object.freeze({
  name: 'cyclonedx-vex',
  description: 'findings as a CycloneDX 1.6 VEX document (JSON), linked to the SBOM by BOM-Link',
  mediaType: 'application/vnd.cyclonedx+json',
  fileExtension: '.vex.cdx.json',
  terminal: false,
  usesTimestamp: true,
  render: async (report: Report, context: ExportContext) => (await import('./cyclonedx-vex.js')).renderCycloneDxVex(report, context),
});
