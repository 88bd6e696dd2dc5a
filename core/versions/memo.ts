/**
 * A bounded cache for version parsing. Matching compares each installed
 * version with the same advisory event versions again and again (every
 * component of a package against every range of every record naming it),
 * so parsing dominates unless each distinct string is parsed once. The
 * cache is cleared when full: bounded memory, no eviction bookkeeping.
 * Parsed values are treated as immutable by every comparison.
 *
 * @example
 *   const parse = memoizeParse(parseUncached);
 */
const DEFAULT_CAPACITY = 16_384;

export function memoizeParse<T>(parse: (version: string) => T, capacity = DEFAULT_CAPACITY): (version: string) => T {
  let cache = new Map<string, T>();
  return (version) => {
    const hit = cache.get(version);
    if (hit !== undefined || cache.has(version)) return hit as T;
    const parsed = parse(version);
    if (cache.size >= capacity) cache = new Map();
    cache.set(version, parsed);
    return parsed;
  };
}
