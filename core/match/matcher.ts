/**
 * Matches components against advisories: for each component, the records
 * that name its package in its own ecosystem (never another's), evaluated
 * with that ecosystem's version ordering. Withdrawn records never match.
 *
 * @example
 *   const { findings } = await matchComponents(components, index);
 */
import type { OsvRecord } from '../model/osv.js';
import type { Finding, ReportComponent, ReportCoverage } from '../model/report.js';
import type { VersionOrdering } from '../versions/ordering.js';
import { orderingFor } from '../versions/registry.js';
import { normalizePackageName } from './package-names.js';
import { packageKey, type AdvisorySource } from './advisory-source.js';
import { componentQuery, type ComponentQuery as Query } from './component-query.js';
import { computeCoverage } from './coverage.js';
import { matchAffected } from './osv-range.js';
import { compareSeverity, severityOf } from './severity.js';
import { alignFixed } from './version-style.js';

export interface MatchResult {
  findings: Finding[];
  warnings: string[];
  /** Which components were checked against how many advisories, and which could not be. */
  coverage: ReportCoverage;
}

export async function matchComponents(components: readonly ReportComponent[], source: AdvisorySource): Promise<MatchResult> {
  const queries = new Map<ReportComponent, Query>();
  for (const component of components) {
    const query = componentQuery(component);
    if (query !== undefined) queries.set(component, query);
  }
  const records = await source.recordsFor([...queries.values()].map((q) => q.key));
  const findings: Finding[] = [];
  const warnings = new Set<string>();
  for (const [component, query] of queries) {
    const ordering = orderingFor(query.key.ecosystem);
    if (ordering === undefined) {
      warnings.add(`no version ordering for ecosystem ${query.key.ecosystem}: ${component.purl} not matched`);
      continue;
    }
    const candidates = (records.get(packageKey(query.key)) ?? []).filter((record) => record.withdrawn === undefined);
    // An unreadable installed version is one problem of the component, not one per advisory
    // (hundreds for the Go standard library); only versions listed verbatim can still match.
    const readable = ordering.isValid(query.version);
    if (!readable && candidates.length > 0) {
      warnings.add(
        `${component.purl}: installed version "${query.version}" is not a valid ${ordering.ecosystem} version; ` +
          `${candidates.length} advisories checked only against the versions they list`,
      );
    }
    const hits: Finding[] = [];
    for (const record of candidates) {
      const finding = evaluate(record, component, query, ordering, readable ? warnings : new Set());
      if (finding !== undefined) hits.push(finding);
    }
    findings.push(...mergeAliases(hits, ordering));
  }
  const coverage = computeCoverage(components, await source.ecosystemCounts());
  return { findings, warnings: [...warnings].sort(), coverage };
}

function evaluate(record: OsvRecord, component: ReportComponent, query: Query, ordering: VersionOrdering, warnings: Set<string>): Finding | undefined {
  let hit: { fixed?: string; affectedIndex: number } | undefined;
  (record.affected ?? []).forEach((affected, affectedIndex) => {
    const pkg = affected.package;
    if (hit !== undefined || pkg?.ecosystem !== query.key.ecosystem || normalizePackageName(pkg.ecosystem, pkg.name) !== query.key.name) return;
    const match = matchAffected(query.version, affected, ordering);
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
  if (hit.fixed !== undefined) finding.fixed = alignFixed(query.key.ecosystem, component.version, hit.fixed);
  if (record.summary !== undefined) finding.summary = record.summary;
  if (record.published !== undefined) finding.published = record.published;
  return finding;
}

/**
 * One finding per flaw: records about the same component whose ids or
 * aliases overlap (a GHSA and the CVE it aliases, a DSA and its CVEs) are
 * merged. The kept id is the first non-CVE id in code-point order (the
 * advisory a fix is tracked by), the rest become aliases; the highest
 * severity and the highest fixed version win.
 */
export function mergeAliases(findings: Finding[], ordering: VersionOrdering): Finding[] {
  if (findings.length < 2) return findings;
  const parent = findings.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i] as number)));
  const owner = new Map<string, number>();
  findings.forEach((finding, i) => {
    for (const id of [finding.id, ...finding.aliases]) {
      const other = owner.get(id);
      if (other === undefined) owner.set(id, i);
      else parent[root(i)] = root(other);
    }
  });
  const groups = new Map<number, Finding[]>();
  findings.forEach((finding, i) => {
    const r = root(i);
    groups.set(r, [...(groups.get(r) ?? []), finding]);
  });
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0] as Finding;
    const ids = [...new Set(group.flatMap((f) => [f.id, ...f.aliases]))].sort();
    const primaryFinding = [...group].sort((a, b) => rank(a.id) - rank(b.id) || (a.id < b.id ? -1 : 1))[0] as Finding;
    const severest = [...group].sort((a, b) => compareSeverity(b.severity.level, a.severity.level))[0] as Finding;
    const merged: Finding = { ...primaryFinding, aliases: ids.filter((id) => id !== primaryFinding.id), severity: severest.severity };
    const fixes = group.map((f) => f.fixed).filter((f): f is string => f !== undefined);
    if (fixes.length > 0) merged.fixed = fixes.reduce((a, b) => (safeCompare(ordering, a, b) >= 0 ? a : b));
    // The flaw became public with its first advisory.
    const published = group.map((f) => f.published).filter((p): p is string => p !== undefined).sort()[0];
    if (published !== undefined) merged.published = published;
    return merged;
  });
}

/** CVE ids name the flaw; the advisory ids (GHSA, DSA, …) carry the fix, so they lead. */
function rank(id: string): number {
  return id.startsWith('CVE-') ? 1 : 0;
}

function safeCompare(ordering: VersionOrdering, a: string, b: string): number {
  try {
    return ordering.compare(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}
