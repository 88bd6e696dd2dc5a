/**
 * Coverage in words, for people: one sentence on what was checked, and one
 * line per group of components that were not (same type, ecosystem and
 * reason). The table (`stella scan`) and `summary.md` print the same lines,
 * so a clean result is never mistaken for a checked one.
 *
 * @example
 *   uncheckedLines(report);
 *   // ['110 deb packages (Debian 12): no advisories for Debian:12 imported — not checked']
 */
import type { Report, ReportCoverage, UncheckedComponent, UncheckedReason } from '../model/report.js';

/** Components of one type, ecosystem and reason that were not checked. */
export interface UncheckedGroup {
  type: string;
  ecosystem?: string;
  reason: UncheckedReason;
  count: number;
}

/** The report's coverage, or undefined for a report written before coverage was recorded. */
export function coverageOf(report: Report): ReportCoverage | undefined {
  return (report as Partial<Report>).coverage;
}

/** Unchecked components grouped, in a stable order (type, ecosystem, reason). */
export function uncheckedGroups(report: Report): UncheckedGroup[] {
  const groups = new Map<string, UncheckedGroup>();
  for (const item of coverageOf(report)?.unchecked ?? []) {
    const key = groupKey(item);
    const group = groups.get(key);
    if (group !== undefined) group.count += 1;
    else groups.set(key, item.ecosystem === undefined ? { type: item.type, reason: item.reason, count: 1 } : { type: item.type, ecosystem: item.ecosystem, reason: item.reason, count: 1 });
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}

/**
 * One line per unchecked group: "110 deb packages (Debian 12): no advisories for Debian:12 imported — not checked",
 * and a last one when the target's OS packages were not found at all (`osPackagesMissing`).
 */
export function uncheckedLines(report: Report): string[] {
  const missing = osPackagesMissing(report);
  return [...uncheckedGroups(report).map(describeGroup), ...(missing === undefined ? [] : [missing])];
}

/** Purl types of the OS package databases Stella reads: dpkg, apk, rpm. */
const OS_PACKAGE_TYPES: ReadonlySet<string> = new Set(['deb', 'apk', 'rpm']);

/**
 * When the target has an operating system (it has an os-release) but not
 * one package from an OS package database: the database is missing, or in
 * a format Stella does not read (SUSE's ndb), so none of its OS packages
 * was checked. Undefined otherwise.
 *
 * @example
 *   osPackagesMissing(report); // 'SUSE Linux Enterprise Server 15 SP5: no OS packages found (no package database, or one in a format not read) — not checked'
 */
export function osPackagesMissing(report: Pick<Report, 'target' | 'components'>): string | undefined {
  const os = report.target.os;
  if (os === undefined || report.components.some((component) => OS_PACKAGE_TYPES.has(component.type))) return undefined;
  const name = os.prettyName ?? [os.id, os.versionId].filter((part) => part !== undefined).join(' ');
  return `${name}: no OS packages found (no package database, or one in a format not read) — not checked`;
}

/**
 * What was checked, in one sentence: "67 of 177 components checked (npm: 67
 * against 170 advisories)", or that nothing was found to check.
 */
export function checkedSentence(report: Report): string {
  const coverage = coverageOf(report);
  if (coverage === undefined) return 'coverage not recorded (report written by an older stella)';
  const total = report.summary.components;
  if (total === 0) return 'no components found: nothing was checked';
  const checked = coverage.ecosystems.filter((entry) => entry.checked > 0);
  const count = checked.reduce((sum, entry) => sum + entry.checked, 0);
  const detail = checked.map((entry) => `${entry.ecosystem}: ${entry.checked} against ${entry.advisories} advisor${entry.advisories === 1 ? 'y' : 'ies'}`).join(', ');
  const head = count === total ? `all ${total} components checked` : `${count} of ${total} components checked`;
  return detail === '' ? head : `${head} (${detail})`;
}

function describeGroup(group: UncheckedGroup): string {
  const noun = `${group.count} ${group.type} package${group.count === 1 ? '' : 's'}`;
  const eco = group.ecosystem;
  const where = eco === undefined || eco.toLowerCase() === group.type ? '' : ` (${eco.replace(/:/g, ' ')})`;
  return `${noun}${where}: ${reasonText(group.reason, eco ?? group.type)} — not checked`;
}

function reasonText(reason: UncheckedReason, ecosystem: string): string {
  switch (reason) {
    case 'no-advisories':
      return `no advisories for ${ecosystem} imported`;
    case 'no-ecosystem':
      return `no advisory ecosystem for pkg:${ecosystem}`;
    case 'no-ordering':
      return `no version ordering for ${ecosystem}`;
    case 'invalid-version':
      return `version not valid in ${ecosystem}`;
    default:
      // A stored report from a newer stella may name a reason this one does not know: show it, do not fail.
      return String(reason satisfies never);
  }
}

function groupKey(item: UncheckedComponent): string {
  return `${item.type}\u0000${item.ecosystem ?? ''}\u0000${item.reason}`;
}

/**
 * The table's footer: what was checked, then one line per group of components that were not.
 * @example coverageLines(report) // ['Coverage: 67 of 177 components checked (…)', '110 deb packages (Debian 12): …']
 */
export function coverageLines(report: Report): string[] {
  return [`Coverage: ${checkedSentence(report)}`, ...uncheckedLines(report)];
}
