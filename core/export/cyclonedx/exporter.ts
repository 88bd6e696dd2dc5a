/**
 * The `--format cyclonedx` exporter as the registry lists it. Rendering
 * (cyclonedx.ts) needs the CycloneDX library, which is loaded on the first
 * render: listing the formats (`stella scan --help`, the registry a scan
 * starts with) loads nothing of it.
 *
 * @example
 *   JSON.parse((await cyclonedxExporter.render(report, {})) as string).specVersion; // '1.6'
 */
import type { Report } from '../../model/report.js';
import type { Exporter } from '../exporter.js';

/**
 * CycloneDX 1.6 JSON of the scanned components and their vulnerabilities.
 *
 * @example cyclonedxExporter.fileExtension; // '.cdx.json'
 */
export const cyclonedxExporter: Exporter = Object.freeze({
  name: 'cyclonedx',
  description: 'the components as a CycloneDX 1.6 SBOM (JSON), with vulnerabilities when there are findings',
  mediaType: 'application/vnd.cyclonedx+json',
  fileExtension: '.cdx.json',
  terminal: false,
  usesTimestamp: false,
  render: async (report: Report) => (await import('./cyclonedx.js')).renderCycloneDx(report),
});
