/**
 * The version-ordering extension point: one implementation per ecosystem.
 * Matching is only as good as the ordering, so every implementation is
 * tested against an independent oracle (dpkg, the semver package) and the
 * peer vectors in shared data.
 */
export interface VersionOrdering {
  /** OSV ecosystem name without release suffix: `npm`, `Debian`. */
  readonly ecosystem: string;
  /** True when `version` is a version this ecosystem can order. */
  isValid(version: string): boolean;
  /**
   * Negative, zero or positive as `a` sorts before, equal to, or after `b`.
   * Throws a StellaError with code VERSION_INVALID for an invalid version:
   * an invalid version is reported, never silently ordered.
   */
  compare(a: string, b: string): number;
}
