/**
 * The scan report: what `stella scan --format json` prints and what is
 * committed as `findings/<node>/<target>/report.json`. Its JSON Schema is
 * `schemas/report.schema.json`; the canonical byte layout is in
 * `core/report/serialize.ts`.
 */
import type { EpssFact, KevFact } from './exploitation.js';
import type { OsRelease } from './package.js';
import type { Severity } from './severity.js';

export const REPORT_SCHEMA = 'stella.report/v1';

export interface ReportComponent {
  purl: string;
  name: string;
  version: string;
  /** purl type: `deb`, `npm`, … */
  type: string;
  /** Diff id of the image layer that introduced the component. */
  layer?: string;
  /** Files that recorded the component, relative to the target root. */
  locations?: string[];
  /** dpkg source package, when it differs from the binary name. */
  sourceName?: string;
  sourceVersion?: string;
}

export interface Finding {
  /** Advisory id (GHSA-…, CVE-…, DSA-…). */
  id: string;
  aliases: string[];
  /** purl of the affected component, with its version. */
  purl: string;
  name: string;
  installed: string;
  /** The version that fixes it, when the advisory names one. */
  fixed?: string;
  severity: Severity;
  summary?: string;
  /** Listed in CISA's Known Exploited Vulnerabilities catalog. */
  kev?: KevFact;
  /** FIRST EPSS score of the finding's CVE (the highest, when it has several). */
  epss?: EpssFact;
}

export interface ReportTarget {
  kind: string;
  name: string;
  digest: string;
  os?: OsRelease;
  layers?: { index: number; diffId: string; digest?: string }[];
}

export interface ReportInputs {
  /** The state-repository commit whose feeds were matched, and the feed tree itself. */
  feed: { commit: string; tree: string } | null;
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  tool: { name: 'stella'; version: string };
  target: ReportTarget;
  inputs: ReportInputs;
  summary: { components: number; findings: number; severities: Record<string, number> };
  components: ReportComponent[];
  findings: Finding[];
  warnings: string[];
}
