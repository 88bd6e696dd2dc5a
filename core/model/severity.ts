/**
 * A finding's severity, as the report records it. The types live here, at
 * the bottom floor, because the report is built from them; how a level is
 * chosen (database rating or CVSS band) is core/match/severity.ts.
 *
 * @example
 *   const s: Severity = { level: 'HIGH', source: 'cvss', cvss: [{ type: 'CVSS_V3', vector: 'CVSS:3.1/…', score: 7.5 }] };
 */

/** Qualitative levels, from the CVSS v3 rating scale plus UNKNOWN. */
export type SeverityLevel = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

/** One CVSS vector an advisory gives. */
export interface CvssEntry {
  type: string;
  vector: string;
  /** Base score, when we compute it (CVSS v3). */
  score?: number;
}

/** The level, where it came from, and every CVSS vector seen. */
export interface Severity {
  level: SeverityLevel;
  /** Where the level came from. */
  source: 'database' | 'cvss' | 'none';
  cvss: CvssEntry[];
}
