/**
 * A finding's severity across every imported feed. The matcher rates each
 * finding from its own advisory (`severity.ts`); many advisories carry no
 * rating (most PYSEC records, for one), while another advisory about the
 * same flaw does. So:
 *
 * 1. the highest level among the finding's own rating and every imported
 *    advisory that shares an id or alias with it (a GHSA record aliasing
 *    the same CVE as a PYSEC finding) — source `alias:<id>` when another
 *    advisory gives the higher level; then
 * 2. only when none of those rates it: NVD's CVSS for one of its CVEs —
 *    NVD's own (Primary) score before a numbering authority's, newest
 *    CVSS version first — source `nvd`. NVD comes last because an
 *    advisory's rating (a distro's for its own package, GitHub's for a
 *    library) is the judgement about the package actually installed.
 *
 * `UNKNOWN` stays only when nothing rates the finding.
 *
 * @example
 *   const rated = await resolveSeverities(findings, index);
 */
import type { OsvRecord } from '../model/osv.js';
import type { Finding } from '../model/report.js';
import type { CvssEntry, Severity } from '../model/severity.js';
import { compareSeverity, cvssEntry, cvssLevel, severityOf } from './severity.js';

/** One NVD vector for a CVE, as the index keeps it. */
export interface NvdCvss {
  type: 'CVSS_V2' | 'CVSS_V3' | 'CVSS_V4';
  /** NVD scored it itself (`Primary`) rather than the numbering authority (`Secondary`). */
  primary: boolean;
  vector: string;
}

/** What severity resolution reads: records by id or alias, NVD vectors by CVE. */
export interface SeverityLookup {
  /** For each id asked, the records whose id is it or whose aliases list it. */
  recordsAliasing(ids: readonly string[]): Promise<Map<string, OsvRecord[]>>;
  /** NVD's vectors for each CVE that has any. */
  nvdCvssFor(cves: readonly string[]): Promise<Map<string, NvdCvss[]>>;
}

const NVD_VERSION_ORDER: readonly NvdCvss['type'][] = ['CVSS_V4', 'CVSS_V3', 'CVSS_V2'];

/** Copies of the findings with the severity resolved as described above. */
export async function resolveSeverities(findings: readonly Finding[], lookup: SeverityLookup): Promise<Finding[]> {
  const idsOf = (finding: Finding): string[] => [finding.id, ...finding.aliases];
  const related = await lookup.recordsAliasing([...new Set(findings.flatMap(idsOf))]);
  const rated = findings.map((finding) => ({ ...finding, severity: fromAliases(finding, idsOf(finding).flatMap((id) => related.get(id) ?? [])) }));
  const unrated = rated.filter((finding) => finding.severity.level === 'UNKNOWN');
  const cves = [...new Set(unrated.flatMap((finding) => idsOf(finding).filter((id) => id.startsWith('CVE-'))))];
  if (cves.length === 0) return rated;
  const nvd = await lookup.nvdCvssFor(cves);
  return rated.map((finding) => (finding.severity.level === 'UNKNOWN' ? { ...finding, severity: fromNvd(finding, nvd) } : finding));
}

/** The finding's own rating, raised by any related advisory that rates it higher (the first by id wins a tie). */
function fromAliases(finding: Finding, records: readonly OsvRecord[]): Severity {
  let best = finding.severity;
  const others = [...new Map(records.map((r) => [r.id, r])).values()].filter((r) => r.id !== finding.id && r.withdrawn === undefined).sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const record of others) {
    // Record-level only: a per-package rating in another advisory is about another package.
    const severity = severityOf(record, undefined);
    if (compareSeverity(severity.level, best.level) > 0) best = { level: severity.level, source: `alias:${record.id}`, cvss: mergeCvss(finding.severity.cvss, severity.cvss) };
  }
  return best;
}

/** NVD's rating for the finding's CVEs (the highest over its CVEs), or the finding's own UNKNOWN. */
function fromNvd(finding: Finding, nvd: ReadonlyMap<string, NvdCvss[]>): Severity {
  let best = finding.severity;
  for (const cve of [finding.id, ...finding.aliases].filter((id) => id.startsWith('CVE-')).sort()) {
    const vectors = [...(nvd.get(cve) ?? [])].sort((a, b) => Number(b.primary) - Number(a.primary) || NVD_VERSION_ORDER.indexOf(a.type) - NVD_VERSION_ORDER.indexOf(b.type));
    const entries = vectors.map((v) => cvssEntry(v.type, v.vector));
    const chosen = entries.find((entry) => entry.score !== undefined);
    const level = chosen === undefined ? undefined : cvssLevel([chosen]);
    if (level !== undefined && compareSeverity(level, best.level) > 0) best = { level, source: 'nvd', cvss: mergeCvss(finding.severity.cvss, entries) };
  }
  return best;
}

/** Every vector once, the finding's own first. */
function mergeCvss(own: readonly CvssEntry[], more: readonly CvssEntry[]): CvssEntry[] {
  const seen = new Set(own.map((entry) => `${entry.type} ${entry.vector}`));
  return [...own, ...more.filter((entry) => !seen.has(`${entry.type} ${entry.vector}`) && seen.add(`${entry.type} ${entry.vector}`))];
}
