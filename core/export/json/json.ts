/**
 * The `--format json` exporter: the report's canonical bytes, exactly what
 * a committed `report.json` holds (`core/report/serialize.ts`), valid under
 * `schemas/report.schema.json`.
 *
 * @example
 *   jsonExporter.render(report, {}); // '{\n"components":[\n…'
 */
import type { Report } from '../../model/report.js';
import { serializeReport } from '../../report/serialize.js';
import type { Exporter } from '../exporter.js';

/**
 * The report as canonical JSON.
 *
 * @example
 *   JSON.parse(jsonExporter.render(report, {}) as string).schema; // 'stella.report/v1'
 */
export const jsonExporter: Exporter = Object.freeze({
  name: 'json',
  description: 'the report (stella.report/v1), canonical JSON',
  mediaType: 'application/json',
  fileExtension: '.json',
  terminal: false,
  usesTimestamp: false,
  render: (report: Report) => serializeReport(report),
});
