/**
 * The report's canonical bytes. Every line is canonical JSON (sorted keys,
 * no insignificant whitespace); each top-level member sits on its own line,
 * and each component, finding and warning on a line of its own, sorted — so
 * the same scan gives the same bytes, and a diff between two reports reads
 * as findings appearing and going away.
 *
 * @example
 *   const text = serializeReport(report);   // deterministic
 *   const again = parseReport(text);
 */
import { StellaError } from '../errors.js';
import type { Finding, Report, ReportComponent } from '../model/report.js';
import { canonicalJson, type JsonValue } from '../sign/canonical-json.js';

const LISTS = new Set(['components', 'findings', 'warnings']);

export function serializeReport(report: Report): string {
  const sorted: Report = {
    ...report,
    components: [...report.components].sort(compareComponents),
    findings: [...report.findings].sort(compareFindings),
    warnings: [...new Set(report.warnings)].sort(),
  };
  const members = Object.keys(sorted)
    .sort()
    .map((key) => {
      const value = (sorted as unknown as Record<string, JsonValue>)[key] as JsonValue;
      if (LISTS.has(key) && Array.isArray(value)) {
        const lines = value.map((item) => canonicalJson(item));
        return `${JSON.stringify(key)}:[${lines.length === 0 ? '' : `\n${lines.join(',\n')}\n`}]`;
      }
      return `${JSON.stringify(key)}:${canonicalJson(value)}`;
    });
  return `{\n${members.join(',\n')}\n}\n`;
}

export function parseReport(text: string, where: string): Report {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StellaError('JSON_INVALID', `${where}: not valid JSON (${(error as Error).message})`);
  }
  const report = value as Partial<Report> | null;
  if (report === null || typeof report !== 'object' || report.schema !== 'stella.report/v1' || !Array.isArray(report.findings) || !Array.isArray(report.components)) {
    throw new StellaError('REPO_INVALID', `${where}: not a stella.report/v1 report`);
  }
  return report as Report;
}

function compareComponents(a: ReportComponent, b: ReportComponent): number {
  return compareStrings(a.purl, b.purl) || compareStrings((a.locations ?? []).join('\n'), (b.locations ?? []).join('\n'));
}

function compareFindings(a: Finding, b: Finding): number {
  return compareStrings(a.purl, b.purl) || compareStrings(a.id, b.id);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
