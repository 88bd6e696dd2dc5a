/**
 * Per-file warning caps shared by the extractors: a broken file can yield
 * thousands of per-entry problems, and a report should name the first few
 * and count the rest.
 *
 * @example
 *   capWarnings('var/lib/dpkg/status', warnings);           // already prefixed with the path
 *   prefixAndCapWarnings('Cargo.lock', ['bad entry 3']);     // ['Cargo.lock: bad entry 3']
 */

/** Warnings listed one by one per file before the rest are only counted. */
export const MAX_WARNINGS = 20;

/** The first MAX_WARNINGS warnings (each already naming the file), then a count of the rest. */
export function capWarnings(path: string, warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS), `${path}: … and ${warnings.length - MAX_WARNINGS} more warnings`];
}

/** The first MAX_WARNINGS warnings, each prefixed with the file's path, then a count of the rest. */
export function prefixAndCapWarnings(path: string, warnings: string[]): string[] {
  const shown = warnings.slice(0, MAX_WARNINGS).map((w) => `${path}: ${w}`);
  if (warnings.length > MAX_WARNINGS) shown.push(`${path}: … and ${warnings.length - MAX_WARNINGS} more warnings`);
  return shown;
}
