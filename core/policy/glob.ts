/**
 * The one pattern language of policies and exceptions: literal text with
 * `*` matching any run of characters (including none), nothing else
 * special. Compiled once into literal segments matched with `indexOf`, so
 * matching is linear-ish and never backtracks like a regular expression
 * could. Patterns are checked when a policy is loaded: a pattern that can
 * only be a typo is refused with a reason rather than silently matching
 * nothing.
 *
 * @example
 *   const glob = compileGlob('pkg:npm/lodash@*', 'purl');
 *   glob.test('pkg:npm/lodash@4.17.15'); // true
 */

/** What kind of value a pattern is matched against (decides what is valid). */
export type GlobKind = 'purl' | 'package' | 'ecosystem' | 'target' | 'id';

/** A compiled pattern. */
export interface Glob {
  readonly pattern: string;
  test(value: string): boolean;
}

/** Longest pattern accepted: long enough for any purl, short enough to rule out pasted junk. */
export const MAX_PATTERN_LENGTH = 512;
/** More wildcards than this only slow matching down; no real pattern needs them. */
export const MAX_WILDCARDS = 8;

/**
 * Why `pattern` is not a valid pattern of `kind`, or undefined when it is.
 * @example globProblem('pkg npm/x', 'purl'); // 'contains whitespace'
 */
export function globProblem(pattern: string, kind: GlobKind): string | undefined {
  if (pattern === '') return 'is empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/[\s\u0000-\u001f\u007f]/.test(pattern)) return 'contains whitespace or a control character';
  if (/\*\*/.test(pattern)) return "has '**' (one '*' already matches any run of characters)";
  if (pattern.split('*').length - 1 > MAX_WILDCARDS) return `has more than ${MAX_WILDCARDS} '*'`;
  if (kind === 'purl' && pattern !== '*' && !/^pkg:(\*|[a-z][a-z0-9.+-]*(\*|\/))/.test(pattern)) {
    return "is not a purl pattern (it must start with 'pkg:<type>/', e.g. 'pkg:npm/lodash@*')";
  }
  if (kind === 'ecosystem' && /[/@?#]/.test(pattern)) return "is not an ecosystem pattern (OSV ecosystems look like 'npm', 'PyPI', 'Debian:12')";
  return undefined;
}

/**
 * Compiles a pattern already checked by `globProblem`.
 * @example compileGlob('Debian:*', 'ecosystem').test('Debian:12'); // true
 */
export function compileGlob(pattern: string): Glob {
  const parts = pattern.split('*');
  if (parts.length === 1) return { pattern, test: (value) => value === pattern };
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  const middle = parts.slice(1, -1).filter((part) => part !== '');
  return {
    pattern,
    test(value: string): boolean {
      if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
      let at = first.length;
      const end = value.length - last.length;
      // Leftmost placement of each middle part is optimal for a `*`-only language: no backtracking needed.
      for (const part of middle) {
        const found = value.indexOf(part, at);
        if (found < 0 || found + part.length > end) return false;
        at = found + part.length;
      }
      return true;
    },
  };
}
