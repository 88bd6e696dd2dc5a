/**
 * One advisory's severity: the advisory database's own rating when it gives
 * one (GHSA's `database_specific.severity`, a distro's per-package rating),
 * else the band of its highest CVSS score (v2, v3.x or v4). CVSS vectors
 * are always kept. What other advisories and NVD add is
 * `resolve-severity.ts`.
 *
 * @example
 *   severityOf(record, affected) // { level: 'HIGH', source: 'database', cvss: [...] }
 */
import type { OsvAffected, OsvRecord } from '../model/osv.js';
import { bandOf, SEVERITY_ORDER, type CvssEntry, type Severity, type SeverityLevel } from '../model/severity.js';
import { cvssScore } from './cvss.js';

// The types, the order and the bands live in core/model (the report holds them; exporters and the CLI
// use them without loading the CVSS calculators); re-exported beside the functions that work on them.
export type { CvssEntry, Severity, SeverityLevel, SeveritySource } from '../model/severity.js';
export { bandOf, compareSeverity, SEVERITY_ORDER } from '../model/severity.js';

/** The severity one advisory gives; `affected` is the entry that matched, whose per-package rating wins. */
export function severityOf(record: OsvRecord, affected: OsvAffected | undefined): Severity {
  const cvss: CvssEntry[] = [...(record.severity ?? []), ...(affected?.severity ?? [])]
    .filter((entry) => entry.type.startsWith('CVSS_'))
    .map((entry) => cvssEntry(entry.type, entry.score));
  const database = normaliseLevel(affected?.ecosystem_specific?.['severity']) ?? normaliseLevel(record.database_specific?.['severity']);
  if (database !== undefined) return { level: database, source: 'database', cvss };
  const level = cvssLevel(cvss);
  if (level !== undefined) return { level, source: 'cvss', cvss };
  return { level: 'UNKNOWN', source: 'none', cvss };
}

/** A CVSS vector with its score, when it is a valid vector of its version. */
export function cvssEntry(type: string, vector: string): CvssEntry {
  const score = cvssScore(type, vector);
  return score === undefined ? { type, vector } : { type, vector, score };
}

/** The band of the highest score among `cvss`, or undefined when none has a score. */
export function cvssLevel(cvss: readonly CvssEntry[]): SeverityLevel | undefined {
  const best = Math.max(-1, ...cvss.map((entry) => entry.score ?? -1));
  return best >= 0 ? bandOf(best) : undefined;
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
