/**
 * An advisory index seen through a memo, for re-matching many targets in
 * one go: targets built on the same base share most of their packages, so
 * each package's advisories (and each CVE's severity, KEV and EPSS facts)
 * are read from LevelDB and parsed once per re-match, not once per target.
 * Only for the span of one feed state: the memo never outlives the call.
 *
 * @example
 *   const memo = memoAdvisories(index);
 *   await matchComponents(a, memo); await matchComponents(b, memo); // shared packages read once
 */
import { packageKey } from '../../core/match/advisory-source.js';
import type { AdvisorySource, PackageKey } from '../../core/match/advisory-source.js';
import type { EnrichmentSource } from '../../core/match/enrich.js';

/** What the matcher and the enricher read. */
export type MatchSource = AdvisorySource & EnrichmentSource;

/** A batch lookup remembered per key; absent keys are remembered as absent. */
function memoBatch<V>(lookup: (keys: readonly string[]) => Promise<Map<string, V>>): (keys: readonly string[]) => Promise<Map<string, V>> {
  const known = new Map<string, V | undefined>();
  return async (keys) => {
    const missing = [...new Set(keys.filter((key) => !known.has(key)))];
    if (missing.length > 0) {
      const found = await lookup(missing);
      for (const key of missing) known.set(key, found.get(key));
    }
    const out = new Map<string, V>();
    for (const key of keys) {
      const value = known.get(key);
      if (value !== undefined) out.set(key, value);
    }
    return out;
  };
}

/** `source` with every lookup remembered (see the module comment). */
export function memoAdvisories(source: MatchSource): MatchSource {
  const byKey = new Map<string, PackageKey>();
  const records = memoBatch((keys) => source.recordsFor(keys.map((key) => byKey.get(key) as PackageKey)));
  let counts: ReturnType<MatchSource['ecosystemCounts']> | undefined;
  return {
    recordsFor: (packages) => {
      for (const pkg of packages) byKey.set(packageKey(pkg), pkg);
      return records(packages.map(packageKey));
    },
    ecosystemCounts: () => (counts ??= source.ecosystemCounts()),
    recordsAliasing: memoBatch((ids) => source.recordsAliasing(ids)),
    nvdCvssFor: memoBatch((cves) => source.nvdCvssFor(cves)),
    kevFor: memoBatch((cves) => source.kevFor(cves)),
    epssFor: memoBatch((cves) => source.epssFor(cves)),
  };
}
