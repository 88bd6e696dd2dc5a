/**
 * A finding's severity, as the report records it. The types live here, at
 * the bottom floor, because the report is built from them; how a level is
 * chosen (database rating, CVSS band, aliases, NVD) is core/match/severity.ts
 * and core/match/resolve-severity.ts.
 *
 * @example
 *   const s: Severity = { level: 'HIGH', source: 'cvss', cvss: [{ type: 'CVSS_V3', vector: 'CVSS:3.1/…', score: 7.5 }] };
 */

/** Qualitative levels, from the CVSS v3 rating scale plus UNKNOWN. */
export type SeverityLevel = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

/** The levels from least to most severe. Here, not beside the CVSS code, so checking a level loads no calculator. */
export const SEVERITY_ORDER: readonly SeverityLevel[] = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** The qualitative rating scale (the same bands in CVSS v3 and v4; applied to v2 scores too, as NVD's v3-era tools do). */
export function bandOf(score: number): SeverityLevel {
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'UNKNOWN';
}

/** Positive when `a` is more severe than `b`, as for a sort that puts the mildest first. */
export function compareSeverity(a: SeverityLevel, b: SeverityLevel): number {
  return SEVERITY_ORDER.indexOf(a) - SEVERITY_ORDER.indexOf(b);
}

/** One CVSS vector an advisory gives. */
export interface CvssEntry {
  /** OSV's severity type: `CVSS_V2`, `CVSS_V3`, `CVSS_V4`. */
  type: string;
  vector: string;
  /** The score we compute from the vector (any of v2, v3.x, v4); absent when the vector is not valid. */
  score?: number;
}

/**
 * Where a finding's level came from:
 * - `database`: the finding's own advisory rates it (GHSA's severity, a distro's per-package rating);
 * - `cvss`: the band of the highest CVSS score in the finding's own advisory;
 * - `alias:<id>`: another imported advisory about the same flaw (it shares an id or alias), e.g. the GHSA record of a PYSEC finding;
 * - `nvd`: NVD's CVSS for one of the finding's CVEs (the `nvd` feed), when no advisory rates it;
 * - `none`: nothing rates it (level `UNKNOWN`).
 */
export type SeveritySource = 'database' | 'cvss' | 'nvd' | 'none' | `alias:${string}`;

/** The level, where it came from, and every CVSS vector seen. */
export interface Severity {
  level: SeverityLevel;
  /** Where the level came from. */
  source: SeveritySource;
  cvss: CvssEntry[];
}
