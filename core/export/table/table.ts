/**
 * The `--format table` view of a report: a summary line, then one row per
 * finding, most severe first and, within a level, known-exploited (KEV)
 * first, like trivy's and grype's tables; coverage (what was and was not
 * checked) at the end.
 *
 * - It fits `context.columns` when given (the CLI passes the terminal's
 *   width on a TTY): the title is cut, never an id or a version. Without
 *   it (a pipe, a file) nothing is cut but titles longer than 60.
 * - Every id of a finding is listed, CVEs first, one per line: extra ids
 *   go on continuation lines instead of widening the table.
 * - Severities are coloured only when `context.color` is true.
 * - The header counts the findings it shows (after the caller's filters).
 *
 * @example
 *   process.stdout.write(renderTable(report, { columns: 100, color: true }));
 */
import { compareCveIds } from '../../feeds/kev/cve.js';
import { compareSeverity, SEVERITY_ORDER } from '../../match/severity.js';
import { displayVersion } from '../../match/version-style.js';
import type { Finding, Report } from '../../model/report.js';
import { coverageLines } from '../../report/coverage-text.js';
import type { ExportContext, Exporter } from '../exporter.js';
import { fitWidths, GAP, textWidth, truncate, wrapText } from './layout.js';
import { paintKev, paintSeverity } from './style.js';

const HEADERS = ['LIBRARY', 'VULNERABILITY', 'SEVERITY', 'INSTALLED', 'FIXED', 'TITLE'] as const;
/** Titles are cut here when no terminal width is known, so a pipe still reads line by line. */
const MAX_TITLE = 60;

/** One finding as rows of plain cells; `ids` beyond the first go on continuation lines. */
interface Row {
  finding: Finding;
  cells: string[];
  ids: string[];
}

/**
 * The table as text.
 *
 * @example
 *   renderTable(report).split('\n')[1]; // '312 components, 57 findings (CRITICAL: 3, HIGH: 20, …)'
 */
export function renderTable(report: Report, context: ExportContext = {}): string {
  const wrap = (text: string): string[] => wrapText(text, context.columns);
  const lines = headerLines(report).flatMap(wrap);
  const footer = ['', ...coverageLines(report).flatMap(wrap)];
  if (report.findings.length === 0) return `${[...lines, ...footer].join('\n')}\n`;
  const rows = [...report.findings].sort(byUrgency).map(toRow);
  const natural = HEADERS.map((header, i) => Math.max(header.length, ...rows.map((row) => (i === 1 ? Math.max(...row.ids.map(textWidth)) : textWidth(row.cells[i] ?? '')))));
  natural[5] = Math.min(natural[5] ?? 0, MAX_TITLE);
  const widths = fitWidths(natural, context.columns);
  const shown = HEADERS.map((_, i) => i).filter((i) => (widths[i] ?? 0) > 0);
  const line = (cells: readonly string[], paint: (i: number, text: string) => string = (_, text) => text): string =>
    shown
      .map((i) => {
        const width = widths[i] ?? 0;
        const text = i === 1 ? (cells[i] ?? '') : truncate(cells[i] ?? '', width);
        return paint(i, text) + ' '.repeat(Math.max(0, width - textWidth(text)));
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  lines.push('', line(HEADERS), line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) {
    lines.push(line(row.cells, (i, text) => (context.color === true && i === 2 ? paintLevel(row.finding, text) : text)));
    for (const id of row.ids.slice(1)) lines.push(line(['', id, '', '', '', '']));
  }
  lines.push(...footer);
  return `${lines.join('\n')}\n`;
}

/** Target, then "N components, M findings (HIGH: 2, …; K known exploited)" over the findings shown. */
function headerLines(report: Report): string[] {
  const { target, summary, findings } = report;
  const os = target.os === undefined ? '' : ` (${target.os.prettyName ?? `${target.os.id} ${target.os.versionId ?? ''}`.trim()})`;
  const counts = [...SEVERITY_ORDER]
    .reverse()
    .map((level) => [level, findings.filter((f) => f.severity.level === level).length] as const)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${level}: ${n}`)
    .join(', ');
  const kev = findings.filter((f) => f.kev !== undefined).length;
  const detail = [counts, kev > 0 ? `${kev} known exploited` : ''].filter((part) => part !== '').join('; ');
  return [`${target.name}${os}`, `${summary.components} components, ${findings.length} findings${detail === '' ? '' : ` (${detail})`}`];
}

/** Most severe first; within a level, known-exploited first; then by library and id. */
function byUrgency(a: Finding, b: Finding): number {
  return compareSeverity(b.severity.level, a.severity.level) || Number(b.kev !== undefined) - Number(a.kev !== undefined) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

function toRow(finding: Finding): Row {
  const all = [...new Set([finding.id, ...finding.aliases])];
  const cves = all.filter((id) => id.startsWith('CVE-')).sort(compareCveIds);
  const others = all.filter((id) => !id.startsWith('CVE-') && id !== finding.id).sort();
  const ids = [...cves, ...(finding.id.startsWith('CVE-') ? [] : [finding.id]), ...others];
  const level = finding.kev === undefined ? finding.severity.level : `${finding.severity.level} KEV`;
  const title = (finding.summary ?? '').replace(/\s+/g, ' ').trim();
  const fixed = finding.fixed === undefined ? '' : displayVersion(finding.purl, finding.fixed);
  return { finding, ids, cells: [finding.name, ids[0] ?? finding.id, level, displayVersion(finding.purl, finding.installed), fixed, title] };
}

/** The severity cell coloured by level, its KEV flag in its own colour. */
function paintLevel(finding: Finding, text: string): string {
  const level = finding.severity.level;
  if (finding.kev === undefined || !text.endsWith(' KEV')) return paintSeverity(level, text);
  return `${paintSeverity(level, text.slice(0, -4))} ${paintKev('KEV')}`;
}

/**
 * The table exporter: for people, so its layout may change between
 * versions; programs read `json`.
 *
 * @example
 *   tableExporter.render(report, { columns: 100 }); // 'debian-node (Debian GNU/Linux 12 (bookworm))\n…'
 */
export const tableExporter: Exporter = Object.freeze({
  name: 'table',
  description: 'a summary and one row per finding, most severe first',
  mediaType: 'text/plain; charset=utf-8',
  fileExtension: '.txt',
  terminal: true,
  usesTimestamp: false,
  render: (report: Report, context: ExportContext) => renderTable(report, context),
});
