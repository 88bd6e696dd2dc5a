/**
 * A finding's severity: the advisory database's own rating when it gives
 * one (GHSA's `database_specific.severity`, a distro's per-package rating),
 * else the band of the CVSS v3 base score. CVSS vectors are always kept.
 *
 * @example
 *   severityOf(record, affected) // { level: 'HIGH', source: 'database', cvss: [...] }
 */
import type { OsvAffected, OsvRecord } from '../model/osv.js';
import type { CvssEntry, Severity, SeverityLevel } from '../model/severity.js';
import { cvss3BaseScore } from './cvss3.js';

// The types live in core/model (the report holds them); re-exported beside the functions that work on them.
export type { CvssEntry, Severity, SeverityLevel };
export const SEVERITY_ORDER: readonly SeverityLevel[] = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export function severityOf(record: OsvRecord, affected: OsvAffected | undefined): Severity {
  const cvss: CvssEntry[] = [...(record.severity ?? []), ...(affected?.severity ?? [])]
    .filter((entry) => entry.type.startsWith('CVSS_'))
    .map((entry) => {
      const score = entry.type === 'CVSS_V3' ? cvss3BaseScore(entry.score) : undefined;
      return score === undefined ? { type: entry.type, vector: entry.score } : { type: entry.type, vector: entry.score, score };
    });
  const database = normaliseLevel(affected?.ecosystem_specific?.['severity']) ?? normaliseLevel(record.database_specific?.['severity']);
  if (database !== undefined) return { level: database, source: 'database', cvss };
  const best = Math.max(-1, ...cvss.map((entry) => entry.score ?? -1));
  if (best >= 0) return { level: bandOf(best), source: 'cvss', cvss };
  return { level: 'UNKNOWN', source: 'none', cvss };
}

/** Maps the spellings databases use (GHSA `MODERATE`, Debian `medium`, …) to our levels. */
export function normaliseLevel(value: unknown): SeverityLevel | undefined {
  if (typeof value !== 'string') return undefined;
  switch (value.trim().toUpperCase()) {
    case 'CRITICAL':
      return 'CRITICAL';
    case 'HIGH':
    case 'IMPORTANT':
      return 'HIGH';
    case 'MEDIUM':
    case 'MODERATE':
      return 'MEDIUM';
    case 'LOW':
    case 'NEGLIGIBLE':
    case 'UNIMPORTANT':
      return 'LOW';
    default:
      return undefined;
  }
}

/** CVSS v3 qualitative rating scale. */
export function bandOf(score: number): SeverityLevel {
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'UNKNOWN';
}

export function compareSeverity(a: SeverityLevel, b: SeverityLevel): number {
  return SEVERITY_ORDER.indexOf(a) - SEVERITY_ORDER.indexOf(b);
}
