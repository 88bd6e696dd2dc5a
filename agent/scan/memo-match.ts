/**
 * Matching many inventories against one feed state, each component matched
 * (and its findings enriched) once: the matcher treats components one by
 * one — a component's findings depend on it alone, the warnings are a
 * sorted set, only the coverage looks at the whole list — so an inventory's
 * result is its components' results joined in order, plus its coverage.
 * Targets built on a shared base share most components, which is what makes
 * re-matching a fleet's cached SBOMs cheap.
 *
 * @example
 *   const match = memoMatch(memoAdvisories(index));
 *   const a = await match(nodeComponents); const b = await match(baseComponents); // shared components matched once
 */
import { computeCoverage } from '../../core/match/coverage.js';
import { enrichFindings } from '../../core/match/enrich.js';
import { matchComponents } from '../../core/match/matcher.js';
import type { Finding, Report, ReportComponent } from '../../core/model/report.js';
import type { MatchSource } from './memo-source.js';

/** What matching one inventory gives (feed inputs aside). */
export interface InventoryMatch {
  findings: Finding[];
  warnings: string[];
  coverage: Report['coverage'];
}

interface ComponentMatch {
  findings: Finding[];
  warnings: string[];
}

/** A matcher remembering each component's findings (see the module comment). */
export function memoMatch(source: MatchSource): (components: readonly ReportComponent[]) => Promise<InventoryMatch> {
  const known = new Map<string, Promise<ComponentMatch>>();
  const one = (component: ReportComponent): Promise<ComponentMatch> => {
    // The whole component is the key: equal JSON, equal query, equal findings.
    const key = JSON.stringify(component);
    let result = known.get(key);
    if (result === undefined) {
      result = matchComponents([component], source).then(async (matched) => ({ findings: await enrichFindings(matched.findings, source), warnings: matched.warnings }));
      known.set(key, result);
    }
    return result;
  };
  return async (components) => {
    const parts = await Promise.all(components.map(one));
    const warnings = new Set<string>();
    for (const part of parts) for (const warning of part.warnings) warnings.add(warning);
    return {
      findings: parts.flatMap((part) => part.findings),
      warnings: [...warnings].sort(),
      coverage: computeCoverage(components, await source.ecosystemCounts()),
    };
  };
}
