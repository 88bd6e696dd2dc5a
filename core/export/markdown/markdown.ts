/**
 * The `--format markdown` exporter: one scan as Markdown for a pull
 * request comment, in the style of the findings review (`core/report/
 * review.ts`, whose pieces it reuses): the target line, coverage, a count
 * per severity, then the findings most severe first (known-exploited first
 * within a level). Long lists are cut at {@link MAX_ROWS} rows with a note,
 * so the comment stays within what a forge accepts.
 *
 * @example
 *   markdownExporter.render(report, {}); // '# Stella scan: debian-node\n\nTarget `debian-node` …'
 */
import { compareSeverity } from '../../model/severity.js';
import type { Finding, Report } from '../../model/report.js';
import { cell, countsBySeverity, coverageSection, findingTable, SEVERITY_TABLE, severityCounts } from '../../report/review.js';
import { compareText } from '../common/components.js';
import type { Exporter } from '../exporter.js';

/** Findings listed before the table is cut: about 40 KB, under the 64 KB a GitHub comment may hold. */
export const MAX_ROWS = 300;

/**
 * The Markdown text.
 *
 * @example renderMarkdown(report).split('\n')[0]; // '# Stella scan: debian-node'
 */
export function renderMarkdown(report: Report): string {
  const { target, summary, findings } = report;
  const lines = [
    `# Stella scan: ${cell(target.name)}`,
    '',
    `Target \`${target.name.replace(/`/g, "'")}\` (${target.digest.slice(0, 19)}…), ${summary.components} components, ${findings.length} findings: ${severityCounts(findings)}.`,
    '',
    ...coverageSection(report),
    `| | ${SEVERITY_TABLE.join(' | ')} |`,
    `|---|${SEVERITY_TABLE.map(() => '---:').join('|')}|`,
    `| findings | ${countsBySeverity(findings).join(' | ')} |`,
    '',
  ];
  const kev = findings.filter((f) => f.kev !== undefined);
  if (kev.length > 0) lines.push(`**${kev.length} known exploited** (CISA KEV): ${[...new Set(kev.map((f) => cell(f.id)))].sort(compareText).join(', ')}.`, '');
  if (findings.length > 0) {
    const sorted = [...findings].sort(byUrgency);
    lines.push('## Findings', '', ...findingTable(sorted.slice(0, MAX_ROWS)), '');
    if (sorted.length > MAX_ROWS) lines.push(`…and ${sorted.length - MAX_ROWS} more, not listed here (\`stella scan --format json\` has them all).`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function byUrgency(a: Finding, b: Finding): number {
  return compareSeverity(b.severity.level, a.severity.level) || Number(b.kev !== undefined) - Number(a.kev !== undefined) || compareText(a.name, b.name) || compareText(a.id, b.id) || compareText(a.purl, b.purl);
}

/**
 * Markdown for a pull request comment.
 *
 * @example markdownExporter.mediaType; // 'text/markdown; charset=utf-8'
 */
export const markdownExporter: Exporter = Object.freeze({
  name: 'markdown',
  description: 'a summary and a findings table in Markdown, for pull request comments',
  mediaType: 'text/markdown; charset=utf-8',
  fileExtension: '.md',
  terminal: false,
  usesTimestamp: false,
  render: (report: Report) => renderMarkdown(report),
});
