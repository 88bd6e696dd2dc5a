/**
 * The report's canonical bytes. Every line is canonical JSON (sorted keys,
 * no insignificant whitespace); each top-level member sits on its own line,
 * and each component, finding and warning on a line of its own, sorted — so
 * the same scan gives the same bytes, and a diff between two reports reads
 * as findings appearing and going away. `coverage` is an object whose two
 * lists (ecosystems, unchecked components) are laid out the same way.
 *
 * @example
 *   const text = serializeReport(report);   // deterministic
 *   const again = parseReport(text);
 */
import { parseUntrustedJson } from '../json/untrusted.js';
import { StellaError } from '../errors.js';
import type { Finding, Report, ReportComponent, ReportCoverage, UncheckedComponent } from '../model/report.js';
import { canonicalJson, type JsonObject } from '../sign/canonical-json.js';

/** Members laid out one item per line, and `coverage`, an object of two such lists. */
const LAYOUT: Layout = {
  lists: new Set(['components', 'findings', 'warnings']),
  objects: new Map([['coverage', { lists: new Set(['ecosystems', 'unchecked']), objects: new Map() }]]),
};

interface Layout {
  lists: ReadonlySet<string>;
  objects: ReadonlyMap<string, Layout>;
}

export function serializeReport(report: Report): string {
  const sorted: Report = {
    ...report,
    components: [...report.components].sort(compareComponents),
    findings: [...report.findings].sort(compareFindings),
    warnings: [...new Set(report.warnings)].sort(),
  };
  // A report read back from before coverage was recorded has none; it is written as it came.
  if ((report as Partial<Report>).coverage !== undefined) sorted.coverage = sortCoverage(report.coverage);
  return `${linesObject(sorted as unknown as JsonObject, LAYOUT)}\n`;
}

/** `{`, one member per line in key order, `}`; lists and nested objects as `layout` says. */
function linesObject(object: JsonObject, layout: Layout): string {
  const members = Object.keys(object)
    .sort()
    .flatMap((key) => {
      const value = object[key];
      if (value === undefined) return [];
      const nested = layout.objects.get(key);
      if (nested !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value)) return [`${JSON.stringify(key)}:${linesObject(value, nested)}`];
      if (layout.lists.has(key) && Array.isArray(value)) {
        const lines = value.map((item) => canonicalJson(item));
        return [`${JSON.stringify(key)}:[${lines.length === 0 ? '' : `\n${lines.join(',\n')}\n`}]`];
      }
      return [`${JSON.stringify(key)}:${canonicalJson(value)}`];
    });
  return `{\n${members.join(',\n')}\n}`;
}

function sortCoverage(coverage: ReportCoverage): ReportCoverage {
  return {
    ecosystems: [...coverage.ecosystems].sort((a, b) => compareStrings(a.ecosystem, b.ecosystem)),
    unchecked: [...coverage.unchecked].sort(compareUnchecked),
  };
}

function compareUnchecked(a: UncheckedComponent, b: UncheckedComponent): number {
  return compareStrings(a.purl, b.purl) || compareStrings(a.reason, b.reason) || compareStrings(a.ecosystem ?? '', b.ecosystem ?? '');
}

export function parseReport(text: string, where: string): Report {
  let value: unknown;
  try {
    value = parseUntrustedJson(where, text);
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
