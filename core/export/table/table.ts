/**
 * The `--format table` view of a report: a summary line, then one row per
 * finding, most severe first, like trivy's and grype's tables; coverage
 * (what was and was not checked) at the end.
 *
 * @example
 *   process.stdout.write(renderTable(report));
 */
import { compareSeverity } from '../../match/severity.js';
import type { Report } from '../../model/report.js';
import { coverageLines } from '../../report/coverage-text.js';
import type { Exporter } from '../exporter.js';

const COLUMNS = ['LIBRARY', 'VULNERABILITY', 'SEVERITY', 'INSTALLED', 'FIXED', 'TITLE'] as const;

/**
 * The table as text; titles longer than `maxTitle` are cut with an ellipsis.
 *
 * @example
 *   renderTable(report).split('\n')[1]; // '312 components, 57 findings (CRITICAL: 3, HIGH: 20, …)'
 */
export function renderTable(report: Report, maxTitle = 60): string {
  const { target, summary } = report;
  const os = target.os === undefined ? '' : ` (${target.os.prettyName ?? `${target.os.id} ${target.os.versionId ?? ''}`.trim()})`;
  const counts = Object.entries(summary.severities)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${level}: ${n}`)
    .join(', ');
  const lines = [
    `${target.name}${os}`,
    `${summary.components} components, ${summary.findings} findings${counts === '' ? '' : ` (${counts})`}`,
  ];
  const footer = ['', ...coverageLines(report)];
  if (report.findings.length === 0) return `${[...lines, ...footer].join('\n')}\n`;
  const rows = [...report.findings]
    .sort((a, b) => compareSeverity(b.severity.level, a.severity.level) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
    .map((f) => {
      const ids = f.aliases.filter((alias) => alias.startsWith('CVE-'));
      const id = ids.length > 0 && !f.id.startsWith('CVE-') ? `${f.id} (${ids[0]})` : f.id;
      const title = (f.summary ?? '').replace(/\s+/g, ' ');
      const level = f.kev === undefined ? f.severity.level : `${f.severity.level} KEV`;
      return [f.name, id, level, f.installed, f.fixed ?? '', title.length > maxTitle ? `${title.slice(0, maxTitle - 1)}…` : title];
    });
  const widths = COLUMNS.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const format = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  lines.push('', format(COLUMNS), format(widths.map((w) => '-'.repeat(w))), ...rows.map(format), ...footer);
  return `${lines.join('\n')}\n`;
}

/**
 * The table exporter: for people, so its layout may change between
 * versions; programs read `json`.
 *
 * @example
 *   tableExporter.render(report, {}); // 'debian-node (Debian GNU/Linux 12 (bookworm))\n…'
 */
export const tableExporter: Exporter = Object.freeze({
  name: 'table',
  description: 'a summary and one row per finding, most severe first',
  mediaType: 'text/plain; charset=utf-8',
  fileExtension: '.txt',
  terminal: true,
  render: (report: Report) => renderTable(report),
});
