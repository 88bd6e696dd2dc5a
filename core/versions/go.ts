/**
 * Go module version ordering (https://go.dev/ref/mod#versions), the order
 * of `golang.org/x/mod/semver.Compare`: SemVer 2.0.0 precedence on
 * `vMAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`.
 *
 * - Pseudo-versions need no rule of their own: `v0.0.0-20191109021931-daa7c04131f5`,
 *   `v1.2.3-pre.0.20191109021931-daa7c04131f5` and `v1.2.4-0.20191109021931-daa7c04131f5`
 *   are prereleases that sort after their base version (none, `v1.2.3-pre`,
 *   `v1.2.3`) and before the next release, in commit-time order, because
 *   the 14-digit timestamps compare as text.
 * - Build metadata is ignored, so `v2.0.0+incompatible` (a v2+ module
 *   without a go.mod) orders as `v2.0.0`.
 * - As in x/mod/semver, `v1` and `v1.2` (without prerelease or build) are
 *   shorthands for `v1.0.0` and `v1.2.0`.
 * - The `v` is optional: Go's OSV records write `1.2.3` for the module
 *   version `v1.2.3`, and both spellings order the same.
 */
import { memoizeParse } from './memo.js';
import { StellaError } from '../errors.js';
import type { VersionOrdering } from './ordering.js';
import { compareSemVer, type SemVer } from './semver.js';

/** Parsing, once per distinct string (see memo.ts). */
const parse = memoizeParse(parseUncached);

// No leading zeros in numbers or numeric prerelease identifiers, no empty
// identifiers; build identifiers may have leading zeros (SemVer 2.0.0).
const NUM = '0|[1-9][0-9]*';
const PRE_ID = `(?:${NUM}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
const BUILD_ID = '[0-9A-Za-z-]+';
const GO_RE = new RegExp(
  `^v?(${NUM})(?:\\.(${NUM})(?:\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?)?)?$`,
);

// Only the grammar is Go's own (the optional `v`, the `v1`/`v1.2` shorthands,
// no length cap); precedence is SemVer 2.0.0's, shared with semver.ts.
function parseUncached(version: string): SemVer | undefined {
  const m = GO_RE.exec(version);
  if (m === null) return undefined;
  return {
    major: m[1] ?? '0',
    minor: m[2] ?? '0',
    patch: m[3] ?? '0',
    prerelease: m[4] === undefined ? [] : m[4].split('.'),
  };
}

function parseOrThrow(version: string): SemVer {
  const parsed = parse(version);
  if (parsed === undefined) {
    throw new StellaError(
      'VERSION_INVALID',
      `"${version}" is not a valid Go module version (semantic version, "v" optional: v1.2.3, 1.2.3-pre, v2.0.0+incompatible)`,
      { data: { ecosystem: 'Go', version } },
    );
  }
  return parsed;
}

/**
 * Go's ordering: x/mod/semver precedence, with or without the leading `v`.
 *
 * @example
 *   goOrdering.compare('v1.2.3', '1.2.3');                                   // 0
 *   goOrdering.compare('v2.0.0+incompatible', 'v2.0.0');                     // 0
 *   goOrdering.compare('v0.0.0-20191109021931-daa7c04131f5', 'v0.0.1');      // -1
 *   goOrdering.compare('v1.2.4-0.20191109021931-daa7c04131f5', 'v1.2.3');    // 1
 *   goOrdering.compare('v1.2.4-0.20191109021931-daa7c04131f5', 'v1.2.4');    // -1
 */
export const goOrdering: VersionOrdering = {
  ecosystem: 'Go',
  isValid: (version) => parse(version) !== undefined,
  compare: (a, b) => Math.sign(compareSemVer(parseOrThrow(a), parseOrThrow(b))),
};
