/**
 * Enrichment of findings after matching: their severity across every feed
 * (`resolve-severity.ts`: related advisories, then NVD), and exploitation
 * signals by CVE id (the finding's id or any alias): CISA KEV — known to be
 * exploited in the wild, with CISA's remediation due date — and FIRST EPSS
 * — the probability of exploitation in the next 30 days and its percentile.
 *
 * @example
 *   const enriched = await enrichFindings(findings, index);
 */
import type { EpssFact, KevFact } from '../model/exploitation.js';
import type { Finding } from '../model/report.js';
import { resolveSeverities, type SeverityLookup } from './resolve-severity.js';

// The types live in core/model (the report holds them); re-exported for the index that implements EnrichmentSource.
export type { EpssFact, KevFact };

export interface EnrichmentSource extends SeverityLookup {
  kevFor(cves: readonly string[]): Promise<Map<string, KevFact>>;
  epssFor(cves: readonly string[]): Promise<Map<string, EpssFact>>;
}

/** Copies of the findings with severity resolved, `kev` (any CVE listed) and `epss` (the highest-scoring CVE) set. */
export async function enrichFindings(matched: readonly Finding[], source: EnrichmentSource): Promise<Finding[]> {
  const findings = await resolveSeverities(matched, source);
  const cvesOf = (finding: Finding): string[] => [finding.id, ...finding.aliases].filter((id) => id.startsWith('CVE-'));
  const all = [...new Set(findings.flatMap(cvesOf))];
  if (all.length === 0) return findings;
  const [kev, epss] = await Promise.all([source.kevFor(all), source.epssFor(all)]);
  return findings.map((finding) => {
    const cves = cvesOf(finding);
    const out: Finding = { ...finding };
    const known = cves.map((cve) => kev.get(cve)).find((fact) => fact !== undefined);
    if (known !== undefined) out.kev = known;
    const scores = cves.map((cve) => epss.get(cve)).filter((fact): fact is EpssFact => fact !== undefined);
    if (scores.length > 0) out.epss = scores.reduce((a, b) => (b.score > a.score ? b : a));
    return out;
  });
}
