/**
 * Where a finding's package sits in the target, for formats that point at
 * a file (SARIF) or link findings to inventory entries (CycloneDX, SPDX).
 * Findings name their component by purl; one purl may have been found in
 * several places (two lockfiles, two layers), so each lookup gives all of
 * them.
 *
 * @example
 *   const index = indexComponents(report.components);
 *   index.get('pkg:npm/lodash@4.17.20'); // [{ purl, locations: ['app/package-lock.json'], … }]
 */
import type { ReportComponent } from '../../model/report.js';

/** Components by purl, each list in a stable order. */
export function indexComponents(components: readonly ReportComponent[]): Map<string, ReportComponent[]> {
  const index = new Map<string, ReportComponent[]>();
  for (const component of components) {
    const list = index.get(component.purl);
    if (list === undefined) index.set(component.purl, [component]);
    else list.push(component);
  }
  for (const list of index.values()) list.sort((a, b) => compareText(componentKey(a), componentKey(b)));
  return index;
}

/** A key that tells apart two components with the same purl. */
export function componentKey(component: ReportComponent): string {
  return [component.purl, component.layer ?? '', ...(component.locations ?? [])].join('\u0000');
}

/**
 * The files that recorded a package, the one a person would edit first:
 * files outside installed-package trees (`node_modules/`, `site-packages/`,
 * `vendor/`) before those inside, then shallower before deeper, then by
 * name. A lockfile or a package database thus comes before an installed
 * package's own manifest.
 *
 * @example rankLocations(['app/node_modules/a/package.json', 'app/package-lock.json']); // ['app/package-lock.json', 'app/node_modules/a/package.json']
 */
export function rankLocations(paths: Iterable<string>): string[] {
  const installed = (path: string): number => (/(^|\/)(node_modules|site-packages|dist-packages|vendor)\//.test(path) ? 1 : 0);
  const depth = (path: string): number => path.split('/').length;
  return [...new Set(paths)].sort((a, b) => installed(a) - installed(b) || depth(a) - depth(b) || compareText(a, b));
}

/** Code-unit order, independent of the locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
