/**
 * What every finding-carrying format says about an advisory besides the
 * finding itself: where to read it, which database it comes from, and a
 * CVSS score that agrees with the finding's level. Shared by the SARIF,
 * CycloneDX, OpenVEX and Markdown exporters so they describe an advisory
 * the same way.
 *
 * @example
 *   advisoryUrl('GHSA-29mw-wpgm-hmr9'); // 'https://github.com/advisories/GHSA-29mw-wpgm-hmr9'
 */
import { bandOf, compareSeverity } from '../../model/severity.js';
import type { Finding } from '../../model/report.js';
import type { CvssEntry, SeverityLevel } from '../../model/severity.js';

/** The database an advisory id belongs to, and its page. */
export interface AdvisorySource {
  name: string;
  url: string;
}

/**
 * The public page of an advisory id: GitHub's for GHSA, NVD's for CVE, and
 * osv.dev's for every other OSV id (PYSEC, GO, RUSTSEC, DSA, DLA, …),
 * since that is where our advisories come from.
 *
 * @example advisoryUrl('CVE-2020-28500'); // 'https://nvd.nist.gov/vuln/detail/CVE-2020-28500'
 */
export function advisoryUrl(id: string): string {
  return advisorySource(id).url;
}

/**
 * The database of an advisory id, by its prefix.
 *
 * @example advisorySource('PYSEC-2014-13'); // { name: 'OSV', url: 'https://osv.dev/vulnerability/PYSEC-2014-13' }
 */
export function advisorySource(id: string): AdvisorySource {
  const safe = encodeURIComponent(id);
  if (id.startsWith('GHSA-')) return { name: 'GitHub Advisory Database', url: `https://github.com/advisories/${safe}` };
  if (id.startsWith('CVE-')) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${safe}` };
  return { name: 'OSV', url: `https://osv.dev/vulnerability/${safe}` };
}

/** The finding's id and aliases, each once, the finding's own id first and the rest sorted. */
export function advisoryIds(finding: Finding): string[] {
  return [finding.id, ...[...new Set(finding.aliases)].filter((alias) => alias !== finding.id).sort()];
}

/** The CVSS entry with the highest score, or undefined when no vector has one. */
export function highestCvss(finding: Finding): CvssEntry | undefined {
  let best: CvssEntry | undefined;
  for (const entry of finding.severity.cvss) if (entry.score !== undefined && (best?.score === undefined || entry.score > best.score)) best = entry;
  return best;
}

/** A score in the middle of each level's band, for levels that no CVSS score gives (a database's own rating). */
const REPRESENTATIVE: Record<SeverityLevel, number | undefined> = { CRITICAL: 9.5, HIGH: 8.0, MEDIUM: 5.5, LOW: 2.0, UNKNOWN: undefined };

/**
 * A 0–10 score that agrees with the finding's level: its highest CVSS
 * score when that falls in the level's band, otherwise the middle of the
 * band (the level came from a database rating that outranks the score).
 * Undefined for UNKNOWN. GitHub code scanning reads this as
 * `security-severity` and bands it exactly like CVSS.
 *
 * @example securityScore(finding); // 5.3
 */
export function securityScore(finding: Finding): number | undefined {
  const level = finding.severity.level;
  const best = highestCvss(finding)?.score;
  if (best !== undefined && bandOf(best) === level) return best;
  return REPRESENTATIVE[level];
}

/** The most severe level among `findings` (UNKNOWN for none). */
export function worstLevel(findings: readonly Finding[]): SeverityLevel {
  return findings.reduce<SeverityLevel>((worst, f) => (compareSeverity(f.severity.level, worst) > 0 ? f.severity.level : worst), 'UNKNOWN');
}
