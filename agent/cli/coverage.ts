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
import type { Report } from '../../core/model/report.js';
import { checkedSentence, coverageOf, uncheckedGroups, uncheckedLines } from '../../core/report/coverage-text.js';

/** The table's footer: what was checked, then one line per group of components that were not. */
export function coverageLines(report: Report): string[] {
  return [`Coverage: ${checkedSentence(report)}`, ...uncheckedLines(report)];
}

/**
 * Why `--exit-code` must fail although no finding is shown, or undefined
 * when everything was checked. An empty target fails even with
 * `--allow-unchecked`: there is nothing that could have been clean.
 */
export function uncheckedGateFailure(report: Report, allowUnchecked: boolean): string | undefined {
  if (report.summary.components === 0) return `${report.target.name}: no components found, so nothing was checked`;
  if (allowUnchecked) return undefined;
  const coverage = coverageOf(report);
  if (coverage === undefined || coverage.unchecked.length === 0) return undefined;
  const why = [...new Set(uncheckedGroups(report).map((group) => (group.ecosystem === undefined ? `pkg:${group.type} ${group.reason}` : `${group.ecosystem} ${group.reason}`)))].join(', ');
  const feedEmpty = coverage.ecosystems.every((entry) => entry.advisories === 0);
  const hint = report.inputs.feed === null ? 'no state repository, so no advisories' : feedEmpty ? 'no advisories imported for any of its ecosystems (stella feed import)' : why;
  return `${coverage.unchecked.length} of ${report.summary.components} components not checked (${hint}); pass --allow-unchecked to gate on the checked ones only`;
}
