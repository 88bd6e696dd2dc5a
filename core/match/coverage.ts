/**
 * A report's coverage: per OSV ecosystem (with its release, as the matcher
 * looks it up), how many components were checked against how many
 * advisories, and each component that could not be checked, with the
 * reason. Without it a clean report cannot be told from an unchecked one.
 *
 * @example
 *   computeCoverage(components, new Map([['npm', 170]]));
 *   // { ecosystems: [{ ecosystem: 'Debian:12', type: 'deb', components: 110, checked: 0, advisories: 0 }, …],
 *   //   unchecked: [{ purl: 'pkg:deb/debian/bash@…', type: 'deb', ecosystem: 'Debian:12', reason: 'no-advisories' }, …] }
 */
import type { CoverageEcosystem, ReportComponent, ReportCoverage, UncheckedComponent, UncheckedReason } from '../model/report.js';
import { orderingFor } from '../versions/registry.js';
import { componentQuery } from './component-query.js';

/**
 * Coverage of `components` given how many advisories the feed holds per
 * ecosystem (an empty map: no feed). Deterministic: sorted by ecosystem, then purl.
 */
export function computeCoverage(components: readonly ReportComponent[], advisoryCounts: ReadonlyMap<string, number>): ReportCoverage {
  const ecosystems = new Map<string, CoverageEcosystem>();
  const unchecked: UncheckedComponent[] = [];
  for (const component of components) {
    const query = componentQuery(component);
    if (query === undefined) {
      unchecked.push({ purl: component.purl, type: component.type, reason: 'no-ecosystem' });
      continue;
    }
    const ecosystem = query.key.ecosystem;
    const advisories = advisoryCounts.get(ecosystem) ?? 0;
    let entry = ecosystems.get(ecosystem);
    if (entry === undefined) ecosystems.set(ecosystem, (entry = { ecosystem, type: component.type, components: 0, checked: 0, advisories }));
    entry.components += 1;
    const reason = uncheckedReason(ecosystem, query.version, advisories);
    if (reason === undefined) entry.checked += 1;
    else unchecked.push({ purl: component.purl, type: component.type, ecosystem, reason });
  }
  return {
    ecosystems: [...ecosystems.values()].sort((a, b) => compare(a.ecosystem, b.ecosystem)),
    unchecked: unchecked.sort((a, b) => compare(a.purl, b.purl) || compare(a.reason, b.reason)),
  };
}

function uncheckedReason(ecosystem: string, version: string, advisories: number): UncheckedReason | undefined {
  const ordering = orderingFor(ecosystem);
  if (ordering === undefined) return 'no-ordering';
  if (!ordering.isValid(version)) return 'invalid-version';
  // Checked against nothing is not checked: the feed has no word on this release.
  if (advisories === 0) return 'no-advisories';
  return undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
