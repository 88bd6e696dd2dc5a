/**
 * Turns what the extractors found into the report's component list:
 * purls (with the OS release), npm lockfiles reconciled with what is
 * actually installed, and one component per package and place.
 *
 * npm reconciliation: a lockfile says what *would* be installed. When the
 * project next to it has a `node_modules` tree, that tree is the truth — a
 * package the lockfile lists but a later layer deleted is not there and is
 * not reported. A `package-lock.json` shadowed by an `npm-shrinkwrap.json`
 * in the same folder is ignored, as npm ignores it; so is an rpm `Packages`
 * (Berkeley DB) beside an `rpmdb.sqlite`, as rpm ignores it.
 *
 * @example
 *   const { components, warnings } = buildComponents(inventory.packages, inventory.os);
 */
import { describeError } from '../../core/errors.js';
import { lockfileShadowedBy } from '../../core/extract/npm/lockfile.js';
import { rpmDatabaseShadowedBy } from '../../core/extract/rpm/index.js';
import type { ExtractedPackage, OsRelease } from '../../core/model/package.js';
import type { ReportComponent } from '../../core/model/report.js';
import { purlForPackage } from '../../core/purl/index.js';

export type LocatedPackage = ExtractedPackage & { layer?: string };

export function buildComponents(packages: readonly LocatedPackage[], os: OsRelease | undefined): { components: ReportComponent[]; warnings: string[] } {
  const warnings: string[] = [];
  const kept = reconcile(packages);
  const byKey = new Map<string, ReportComponent>();
  for (const pkg of kept) {
    let purl: string;
    try {
      purl = purlForPackage(pkg, os);
    } catch (error) {
      warnings.push(`${pkg.sourceFile}: ${describeError(error)}`);
      continue;
    }
    const place = pkg.installPath ?? pkg.sourceFile;
    const key = `${purl}\u0000${place}`;
    const existing = byKey.get(key);
    if (existing !== undefined) {
      existing.locations = [...new Set([...(existing.locations ?? []), pkg.sourceFile])].sort();
      // Keep the earliest layer: that is where the package first appeared.
      continue;
    }
    const component: ReportComponent = { purl, name: pkg.name, version: pkg.version, type: pkg.type, locations: [pkg.sourceFile] };
    if (pkg.layer !== undefined) component.layer = pkg.layer;
    if (pkg.sourceName !== undefined && pkg.sourceName !== pkg.name) component.sourceName = pkg.sourceName;
    if (pkg.sourceVersion !== undefined && pkg.sourceVersion !== pkg.version) component.sourceVersion = pkg.sourceVersion;
    byKey.set(key, component);
  }
  return { components: [...byKey.values()], warnings };
}

/** Drops what the package's own tool would not read: a shadowed lockfile or rpm database, lockfile entries not installed. */
function reconcile(packages: readonly LocatedPackage[]): LocatedPackage[] {
  const sourceFiles = new Set(packages.map((pkg) => pkg.sourceFile));
  const installedPaths = new Set<string>();
  const installedProjects = new Set<string>();
  for (const pkg of packages) {
    if (pkg.type !== 'npm' || pkg.evidence !== 'installed' || pkg.installPath === undefined) continue;
    installedPaths.add(pkg.installPath);
    installedProjects.add(projectOf(pkg.installPath));
  }
  return packages.filter((pkg) => {
    if (pkg.type === 'rpm') {
      const shadow = rpmDatabaseShadowedBy(pkg.sourceFile);
      return shadow === undefined || !sourceFiles.has(shadow);
    }
    if (pkg.type !== 'npm' || pkg.evidence !== 'lockfile') return true;
    const shadow = lockfileShadowedBy(pkg.sourceFile);
    if (shadow !== undefined && sourceFiles.has(shadow)) return false;
    if (pkg.installPath === undefined) return true;
    // A project with an installed tree: the tree decides.
    if (installedProjects.has(projectOf(pkg.installPath))) return installedPaths.has(pkg.installPath);
    return true;
  });
}

/** The project folder owning an install path: everything before the first `node_modules/`. */
function projectOf(installPath: string): string {
  const index = installPath.indexOf('node_modules/');
  return index < 0 ? installPath : installPath.slice(0, index);
}
