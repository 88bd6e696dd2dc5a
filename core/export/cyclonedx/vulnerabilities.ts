/**
 * CycloneDX 1.6 `vulnerabilities` from a report's findings, built with
 * @cyclonedx/cyclonedx-library's models and normaliser so enum values and
 * shapes are the library's. Shared by the `cyclonedx` exporter (SBOM plus
 * vulnerabilities) and `cyclonedx-vex` (vulnerabilities only, pointing at
 * the SBOM by BOM-Link).
 *
 * One entry per advisory id and VEX assessment (findings of one advisory
 * in several packages share it; `affects` lists each package), with our
 * level as the first rating, then every CVSS vector with its score.
 * Analysis maps OpenVEX statuses onto CycloneDX states: affected →
 * exploitable, not_affected → not_affected, fixed → resolved,
 * under_investigation → in_triage.
 *
 * @example
 *   buildVulnerabilities(report.findings, { refsOf: (f) => [f.purl], analysis: 'always' })[0].id; // 'CVE-2024-0001'
 */
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { bandOf, compareSeverity } from '../../model/severity.js';
import type { Finding } from '../../model/report.js';
import type { CvssEntry, Severity, SeverityLevel } from '../../model/severity.js';
import { advisoryIds, advisorySource } from '../common/advisory.js';
import { compareText } from '../common/components.js';
import { assessmentOf, type VexAssessment, type VexJustification, type VexStatus } from '../common/vex-status.js';

type Normalized = Serialize.JSON.Types.Normalized.Vulnerability;

export interface VulnerabilityOptions {
  /** The `affects` refs of a finding's package: bom-refs in the same BOM, or BOM-Links to another. */
  refsOf(finding: Finding): string[];
  /** `always` (a VEX document) or only when a VEX statement set the finding's status (`explicit`). */
  analysis: 'always' | 'explicit';
}

const V = Enums.Vulnerability;
const SEVERITY: Record<SeverityLevel, Enums.Vulnerability.Severity> = { CRITICAL: V.Severity.Critical, HIGH: V.Severity.High, MEDIUM: V.Severity.Medium, LOW: V.Severity.Low, UNKNOWN: V.Severity.Unknown };
const STATE: Record<VexStatus, Enums.Vulnerability.AnalysisState> = { affected: V.AnalysisState.Exploitable, not_affected: V.AnalysisState.NotAffected, fixed: V.AnalysisState.Resolved, under_investigation: V.AnalysisState.InTriage };
const AFFECT: Record<VexStatus, Enums.Vulnerability.AffectStatus> = { affected: V.AffectStatus.Affected, not_affected: V.AffectStatus.Unaffected, fixed: V.AffectStatus.Unaffected, under_investigation: V.AffectStatus.Unknown };
/** OpenVEX justifications in CycloneDX's words (CycloneDX has no "component not present": its code is not present either). */
const JUSTIFICATION: Record<VexJustification, Enums.Vulnerability.AnalysisJustification> = {
  component_not_present: V.AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_present: V.AnalysisJustification.CodeNotPresent,
  vulnerable_code_not_in_execute_path: V.AnalysisJustification.CodeNotReachable,
  vulnerable_code_cannot_be_controlled_by_adversary: V.AnalysisJustification.ProtectedByMitigatingControl,
  inline_mitigations_already_exist: V.AnalysisJustification.ProtectedByMitigatingControl,
};

/**
 * The vulnerabilities of `findings`, sorted by advisory id, normalised for CycloneDX 1.6 JSON.
 */
export function buildVulnerabilities(findings: readonly Finding[], options: VulnerabilityOptions): Normalized[] {
  const groups = new Map<string, { finding: Finding; vex: VexAssessment }[]>();
  for (const finding of [...findings].sort((a, b) => compareText(a.id, b.id) || compareText(a.purl, b.purl))) {
    const vex = assessmentOf(finding);
    // Everything the analysis carries is in the key, so two packages only share an entry when it says the same of both.
    const key = [finding.id, vex.status, vex.justification ?? '', vex.impactStatement ?? '', vex.actionStatement ?? '', vex.statusSource ?? ''].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), { finding, vex }]);
  }
  const normalizer = new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6).makeForVulnerability();
  const seen = new Map<string, number>();
  return [...groups.values()].map((members) => {
    const id = members[0]?.finding.id ?? '';
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return normalizer.normalize(vulnerability(n === 1 ? `vuln:${id}` : `vuln:${id}|${n}`, members, options), { sortLists: false });
  });
}

function vulnerability(bomRef: string, members: readonly { finding: Finding; vex: VexAssessment }[], options: VulnerabilityOptions): Models.Vulnerability.Vulnerability {
  const worst = members.reduce((w, m) => (compareSeverity(m.finding.severity.level, w.finding.severity.level) > 0 ? m : w));
  const { finding, vex } = worst;
  const source = advisorySource(finding.id);
  const v = new Models.Vulnerability.Vulnerability({
    bomRef,
    id: finding.id,
    source: new Models.Vulnerability.Source({ name: source.name, url: source.url }),
    ...(finding.summary === undefined ? {} : { description: finding.summary }),
    ...(vex.status === 'affected' && vex.actionStatement !== undefined ? { recommendation: vex.actionStatement } : {}),
  });
  for (const rating of ratings(finding)) v.ratings.add(rating);
  for (const alias of advisoryIds(finding).slice(1)) {
    const aliasSource = advisorySource(alias);
    v.references.add(new Models.Vulnerability.Reference(alias, new Models.Vulnerability.Source({ name: aliasSource.name, url: aliasSource.url })));
  }
  for (const id of advisoryIds(finding)) v.advisories.add(new Models.Vulnerability.Advisory(advisorySource(id).url, { title: id }));
  for (const member of members) {
    const refs = options.refsOf(member.finding);
    for (const ref of refs.length === 0 ? [member.finding.purl] : refs) {
      const affect = new Models.Vulnerability.Affect(new Models.BomRef(ref));
      affect.versions.add(new Models.Vulnerability.AffectedSingleVersion(member.finding.installed, { status: AFFECT[member.vex.status] }));
      v.affects.add(affect);
    }
  }
  if (options.analysis === 'always' || vex.explicit) v.analysis = analysis(vex, members.some((m) => m.finding.fixed !== undefined));
  for (const [name, value] of properties(finding)) v.properties.add(new Models.Property(name, value));
  return v;
}

/** Our level first (with where it came from), then each CVSS vector with its score and band. */
function ratings(finding: Finding): Models.Vulnerability.Rating[] {
  const own = new Models.Vulnerability.Rating({ severity: SEVERITY[finding.severity.level], source: new Models.Vulnerability.Source({ name: levelSource(finding.id, finding.severity) }) });
  return [own, ...finding.severity.cvss.map(cvssRating)];
}

function levelSource(id: string, severity: Severity): string {
  if (severity.source.startsWith('alias:')) return advisorySource(severity.source.slice('alias:'.length)).name;
  if (severity.source === 'nvd') return 'NVD';
  return severity.source === 'none' ? 'stella' : advisorySource(id).name;
}

function cvssRating(entry: CvssEntry): Models.Vulnerability.Rating {
  const method = entry.type === 'CVSS_V2' ? V.RatingMethod.CVSSv2 : entry.type === 'CVSS_V4' ? V.RatingMethod.CVSSv4 : entry.vector.startsWith('CVSS:3.1/') ? V.RatingMethod.CVSSv31 : entry.type === 'CVSS_V3' ? V.RatingMethod.CVSSv3 : V.RatingMethod.Other;
  const severity = entry.score === undefined ? V.Severity.Unknown : entry.score === 0 ? V.Severity.None : SEVERITY[bandOf(entry.score)];
  return new Models.Vulnerability.Rating({ method, vector: entry.vector, severity, ...(entry.score === undefined ? {} : { score: entry.score }) });
}

function analysis(vex: VexAssessment, fixable: boolean): Models.Vulnerability.Analysis {
  // An affected finding's action is the vulnerability's `recommendation`; for other statuses it has no field of its own, so `detail` keeps it.
  const action = vex.status !== 'affected' && vex.actionStatement !== undefined ? `action: ${vex.actionStatement}` : undefined;
  const detail = [vex.impactStatement, action, vex.statusSource === undefined ? undefined : `source: ${vex.statusSource}`].filter((x) => x !== undefined);
  const out = new Models.Vulnerability.Analysis({
    state: STATE[vex.status],
    ...(vex.justification === undefined ? {} : { justification: JUSTIFICATION[vex.justification] }),
    ...(detail.length === 0 ? {} : { detail: detail.join('; ') }),
  });
  if (vex.status === 'affected' && fixable) out.response.add(V.AnalysisResponse.Update);
  return out;
}

function properties(finding: Finding): [string, string][] {
  const out: [string, string][] = [['stella:severity-source', finding.severity.source]];
  if (finding.kev !== undefined) out.push(['stella:kev-date-added', finding.kev.dateAdded]);
  if (finding.epss !== undefined) out.push(['stella:epss-score', String(finding.epss.score)], ['stella:epss-percentile', String(finding.epss.percentile)]);
  return out;
}
