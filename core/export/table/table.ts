/**
 * The `--format table` view of a report: a summary line, then one row per
 * finding, most severe first and, within a level, known-exploited (KEV)
 * first, like trivy's and grype's tables; coverage (what was and was not
 * checked) at the end.
 *
 * - It fits `context.columns` when given (the CLI passes the terminal's
 *   width on a TTY): the title is cut, never an id or a version, unless
 *   the terminal is too narrow for even those (then lines are cut at its
 *   width). Without it (a pipe, a file) nothing is cut but titles longer
 *   than 60.
 * - A STATUS column (the VEX status; `—` where no statement spoke, as in summary.md) when
 *   any finding has one, and a VERDICT column and the target's verdict
 *   when a policy decided the report.
 * - Every id of a finding is listed, CVEs first, one per line: extra ids
 *   go on continuation lines instead of widening the table.
 * - Severities are coloured only when `context.color` is true.
 * - The header counts the findings it shows (after the caller's filters).
 *
 * @example
 *   process.stdout.write(renderTable(report, { columns: 100, color: true }));
 */
import { compareCveIds } from '../../feeds/kev/cve.js';
import { compareSeverity, SEVERITY_ORDER } from '../../model/severity.js';
import { displayVersion } from '../../match/version-style.js';
import type { Finding, Report } from '../../model/report.js';
import { coverageLines } from '../../report/coverage-text.js';
import type { ExportContext, Exporter } from '../exporter.js';
import { fitWidths, GAP, textWidth, truncate, wrapText } from './layout.js';
import { paintKev, paintSeverity } from './style.js';

const ALL_HEADERS = ['LIBRARY', 'VULNERABILITY', 'SEVERITY', 'STATUS', 'VERDICT', 'INSTALLED', 'FIXED', 'TITLE'] as const;
type Header = (typeof ALL_HEADERS)[number];
/** Cells are always built in ALL_HEADERS order; the columns a report leaves out are dropped. */
const ID = 1;
const SEVERITY = 2;
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
  const headers = columnsOf(report);
  const pick = (cells: readonly string[]): string[] => headers.map((h) => cells[ALL_HEADERS.indexOf(h)] ?? '');
  const rows = [...report.findings].sort(byUrgency).map(toRow);
  const natural = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (i === ID ? Math.max(...row.ids.map(textWidth)) : textWidth(pick(row.cells)[i] ?? '')))));
  const title = headers.length - 1;
  natural[title] = Math.min(natural[title] ?? 0, MAX_TITLE);
  const drop = ['INSTALLED', 'FIXED'].map((h) => headers.indexOf(h as Header));
  const widths = fitWidths(natural, context.columns, { title, library: 0, drop });
  const shown = headers.map((_, i) => i).filter((i) => (widths[i] ?? 0) > 0);
  // Ids are never cut in fitting; a terminal too narrow even for them gets its lines cut at its width.
  const fit = (text: string): string => (context.columns === undefined || textWidth(text) <= context.columns ? text : truncate(text, context.columns));
  const line = (cells: readonly string[], paint: (i: number, text: string) => string = (_, text) => text): string =>
    shown
      .map((i) => {
        const width = widths[i] ?? 0;
        const text = i === ID ? (cells[i] ?? '') : truncate(cells[i] ?? '', width);
        return paint(i, text) + ' '.repeat(Math.max(0, width - textWidth(text)));
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  const plainFit = (cells: readonly string[]): string => fit(line(cells));
  lines.push('', plainFit(headers), plainFit(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) {
    const cells = pick(row.cells);
    const plain = line(cells);
    // Colour only a line that is not cut: an escape sequence cut in half would garble the terminal.
    lines.push(plain === fit(plain) ? line(cells, (i, text) => (context.color === true && i === SEVERITY ? paintLevel(row.finding, text) : text)) : fit(plain));
    for (const id of row.ids.slice(1)) lines.push(plainFit(headers.map((_, i) => (i === ID ? id : ''))));
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
  const head = [`${target.name}${os}`, `${summary.components} components, ${findings.length} findings${detail === '' ? '' : ` (${detail})`}`];
  if (report.policy !== undefined) head.push(`verdict ${report.policy.verdict} by ${report.policy.source} (${report.policy.engine}): ${report.policy.reasons.join('; ')}`);
  return head;
}

/** The columns this report needs: STATUS once VEX decided a status, VERDICT once a policy decided. */
function columnsOf(report: Report): Header[] {
  const vex = report.findings.some((f) => f.status !== undefined);
  const policy = report.policy !== undefined || report.findings.some((f) => f.verdict !== undefined);
  return ALL_HEADERS.filter((h) => (h !== 'STATUS' || vex) && (h !== 'VERDICT' || policy));
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
  const verdict = finding.verdict === undefined ? '' : finding.verdict.exception === undefined ? finding.verdict.verdict : `${finding.verdict.verdict} (exception)`;
  return { finding, ids, cells: [finding.name, ids[0] ?? finding.id, level, finding.status ?? '—', verdict, displayVersion(finding.purl, finding.installed), fixed, title] };
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
