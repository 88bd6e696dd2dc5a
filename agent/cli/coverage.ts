/**
 * Coverage at the end of `stella scan`'s table, and the `--exit-code` gate
 * on it: a green exit must mean "checked and clean", never "nothing was
 * checked". The wording comes from `core/report/coverage-text.ts`, shared
 * with `summary.md`.
 *
 * @example
 *   coverageLines(report);
 *   // ['Coverage: 67 of 177 components checked (npm: 67 against 170 advisories)',
 *   //  '110 deb packages (Debian 12): no advisories for Debian:12 imported — not checked']
 */
import type { Report, UncheckedReason } from '../../core/model/report.js';
import { coverageLines, coverageOf, osPackagesMissing, uncheckedGroups } from '../../core/report/coverage-text.js';

export { coverageLines };

/**
 * Why `--exit-code` must fail although no finding is shown, or undefined
 * when everything was checked. An empty target fails even with
 * `--allow-unchecked`: there is nothing that could have been clean.
 */
export function uncheckedGateFailure(report: Report, allowUnchecked: boolean): string | undefined {
  if (report.summary.components === 0) return `${report.target.name}: no components found, so nothing was checked`;
  if (allowUnchecked) return undefined;
  const missing = osPackagesMissing(report);
  if (missing !== undefined) return `${report.target.name}: ${missing}; pass --allow-unchecked to gate on the checked ones only`;
  const coverage = coverageOf(report);
  if (coverage === undefined || coverage.unchecked.length === 0) return undefined;
  const why = report.inputs.feed === null ? 'no state repository, so no advisories' : groupsInBrief(report);
  return `${coverage.unchecked.length} of ${report.summary.components} components not checked (${why}); pass --allow-unchecked to gate on the checked ones only`;
}

const BRIEF: Readonly<Record<UncheckedReason, string>> = {
  'no-advisories': 'no advisories imported',
  'no-ecosystem': 'no advisory ecosystem',
  'no-ordering': 'no version ordering',
  'invalid-version': 'invalid version',
};

/** "110 deb in Debian:12: no advisories imported, 2 swift in SwiftURL: no version ordering", at most three groups. */
function groupsInBrief(report: Report): string {
  const groups = uncheckedGroups(report);
  const shown = groups.slice(0, 3).map((group) => `${group.count} ${group.type}${group.ecosystem === undefined ? '' : ` in ${group.ecosystem}`}: ${BRIEF[group.reason] ?? group.reason}`);
  return groups.length > 3 ? `${shown.join(', ')}, and ${groups.length - 3} more groups` : shown.join(', ');
}
