/**
 * Matches components against advisories: for each component, the records
 * that name its package in its own ecosystem (never another's), evaluated
 * with that ecosystem's version ordering. Withdrawn records never match.
 *
 * @example
 *   const { findings } = await matchComponents(components, index);
 */
import type { OsvRecord } from '../model/osv.js';
import type { Finding, ReportComponent } from '../model/report.js';
import { osvEcosystemFor } from '../purl/index.js';
import { orderingFor } from '../versions/registry.js';
import { packageKey, type AdvisorySource, type PackageKey } from './advisory-source.js';
import { matchAffected } from './osv-range.js';
import { severityOf } from './severity.js';

export interface MatchResult {
  findings: Finding[];
  warnings: string[];
}

export async function matchComponents(components: readonly ReportComponent[], source: AdvisorySource): Promise<MatchResult> {
  const queries = new Map<ReportComponent, PackageKey>();
  for (const component of components) {
    const key = osvEcosystemFor(component.purl);
    if (key === undefined) continue;
    // purls lowercase npm names; advisories keep the registry's spelling (JSONStream).
    const sameNameOtherCase = key.ecosystem === 'npm' && component.name !== key.name && component.name.toLowerCase() === key.name;
    queries.set(component, sameNameOtherCase ? { ecosystem: 'npm', name: component.name } : key);
  }
  const records = await source.recordsFor([...queries.values()]);
  const findings = new Map<string, Finding>();
  const warnings = new Set<string>();
  for (const [component, key] of queries) {
    const ordering = orderingFor(key.ecosystem);
    if (ordering === undefined) continue;
    for (const record of records.get(packageKey(key)) ?? []) {
      if (record.withdrawn !== undefined) continue;
      const finding = evaluate(record, component, key, ordering, warnings);
      if (finding !== undefined) findings.set(`${finding.purl}\u0000${finding.id}`, finding);
    }
  }
  return { findings: [...findings.values()], warnings: [...warnings].sort() };
}

function evaluate(
  record: OsvRecord,
  component: ReportComponent,
  key: PackageKey,
  ordering: NonNullable<ReturnType<typeof orderingFor>>,
  warnings: Set<string>,
): Finding | undefined {
  let hit: { fixed?: string; affectedIndex: number } | undefined;
  (record.affected ?? []).forEach((affected, affectedIndex) => {
    if (hit !== undefined || affected.package?.ecosystem !== key.ecosystem || affected.package.name !== key.name) return;
    const match = matchAffected(component.version, affected, ordering);
    for (const warning of match.warnings) warnings.add(`${record.id}: ${warning}`);
    if (match.affected) hit = match.fixed === undefined ? { affectedIndex } : { fixed: match.fixed, affectedIndex };
  });
  if (hit === undefined) return undefined;
  const finding: Finding = {
    id: record.id,
    aliases: [...new Set(record.aliases ?? [])].sort(),
    purl: component.purl,
    name: component.name,
    installed: component.version,
    severity: severityOf(record, record.affected?.[hit.affectedIndex]),
  };
  if (hit.fixed !== undefined) finding.fixed = hit.fixed;
  if (record.summary !== undefined) finding.summary = record.summary;
  return finding;
}
