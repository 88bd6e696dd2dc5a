/**
 * The `--format sarif` exporter: a SARIF 2.1.0 log with one run, valid
 * against the official schema and shaped for GitHub code scanning — one
 * rule per advisory (`rules.ts`), one result per finding located at the
 * lockfile or package database inside the target (`results.ts`). No time
 * is written: the log depends only on the report.
 *
 * @example
 *   JSON.parse(sarifExporter.render(report, {}) as string).version; // '2.1.0'
 */
import type { Report } from '../../model/report.js';
import type { Exporter } from '../exporter.js';
import { buildResults } from './results.js';
import { buildRules } from './rules.js';

const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/**
 * The SARIF log as a JSON value.
 *
 * @example buildSarif(report).runs[0].tool.driver.name; // 'stella'
 */
export function buildSarif(report: Report): Record<string, unknown> {
  const rules = buildRules(report.findings);
  const target = report.target;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, semanticVersion: semver(report.tool.version), rules } },
        results: buildResults(report, rules),
        columnKind: 'unicodeCodePoints',
        properties: {
          target: { kind: target.kind, name: target.name, digest: target.digest },
          ...(report.inputs.feed === null ? {} : { feedCommit: report.inputs.feed.commit }),
        },
      },
    ],
  };
}

/** SARIF's semanticVersion must be SemVer; a tool version that is not is left out there. */
function semver(version: string): string | undefined {
  return /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(version) ? version : undefined;
}

/**
 * SARIF 2.1.0 for GitHub code scanning and other SARIF readers.
 *
 * @example sarifExporter.fileExtension; // '.sarif'
 */
export const sarifExporter: Exporter = Object.freeze({
  name: 'sarif',
  description: 'findings as SARIF 2.1.0 (GitHub code scanning)',
  mediaType: 'application/sarif+json',
  fileExtension: '.sarif',
  terminal: false,
  usesTimestamp: false,
  render: (report: Report) => `${JSON.stringify(buildSarif(report), null, 2)}\n`,
});
