/**
 * The scan report: what `stella scan --format json` prints and what is
 * committed as `findings/<node>/<target>/report.json`. Its JSON Schema is
 * `schemas/report.schema.json`; the canonical byte layout is in
 * `core/report/serialize.ts`.
 */
import type { EpssFact, KevFact } from './exploitation.js';
import type { OsRelease } from './package.js';
import type { FindingVerdict, PolicyOutcome } from './policy.js';
import type { Severity } from './severity.js';
import type { FindingVex } from './vex.js';

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

export interface Finding extends FindingVex {
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
  /** When the advisory was first published (OSV `published`; the earliest of merged advisories), for policies on age. */
  published?: string;
  /** Listed in CISA's Known Exploited Vulnerabilities catalog. */
  kev?: KevFact;
  /** FIRST EPSS score of the finding's CVE (the highest, when it has several). */
  epss?: EpssFact;
  /** Set when a policy is in force: this finding's verdict and what decided it. */
  verdict?: FindingVerdict;
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

/**
 * Why a component was not checked against advisories:
 * - `no-advisories`: the feed holds no advisory for its ecosystem or release;
 * - `no-ecosystem`: its purl type maps to no OSV ecosystem;
 * - `no-ordering`: Stella cannot order that ecosystem's versions;
 * - `invalid-version`: its version is not valid in its ecosystem (only exact listed versions could match).
 */
export type UncheckedReason = 'no-advisories' | 'no-ecosystem' | 'no-ordering' | 'invalid-version';

/** One OSV ecosystem (with its release, as the matcher looks it up) and how well it was checked. */
export interface CoverageEcosystem {
  /** OSV ecosystem key: `Debian:12`, `npm`, `PyPI`. */
  ecosystem: string;
  /** purl type of its components: `deb`, `npm`. */
  type: string;
  /** Components of the target in this ecosystem. */
  components: number;
  /** Of those, how many were matched against advisories. */
  checked: number;
  /** Advisories (not withdrawn) for this ecosystem in the matched feed. */
  advisories: number;
}

/** A component that could not be checked, and why. */
export interface UncheckedComponent {
  purl: string;
  /** purl type: `deb`, `npm`, … */
  type: string;
  /** The OSV ecosystem it would be looked up in; absent when its purl maps to none. */
  ecosystem?: string;
  reason: UncheckedReason;
}

/**
 * What the scan actually checked: a clean report only means "clean" for
 * the components counted as checked here.
 */
export interface ReportCoverage {
  /** One entry per ecosystem, sorted by ecosystem. */
  ecosystems: CoverageEcosystem[];
  /** One entry per component not checked, sorted by purl. */
  unchecked: UncheckedComponent[];
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  tool: { name: 'stella'; version: string };
  target: ReportTarget;
  inputs: ReportInputs;
  summary: { components: number; findings: number; severities: Record<string, number> };
  /**
   * Always written by `scanTarget`; reports committed before coverage was
   * recorded lack it, so readers of stored reports must not assume it.
   */
  coverage: ReportCoverage;
  components: ReportComponent[];
  findings: Finding[];
  warnings: string[];
  /** Set when a policy is in force: the target's verdict (absent: no policy evaluated). */
  policy?: PolicyOutcome;
}
