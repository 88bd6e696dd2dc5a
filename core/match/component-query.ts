/**
 * What the matcher looks up for a component: the OSV (ecosystem, name) key
 * and the version advisories speak of. Shared by matching and coverage, so
 * "checked" in a report means exactly what the matcher asked the index.
 *
 * @example
 *   componentQuery({ purl: 'pkg:deb/debian/libssl3@3.0.11-1?distro=debian-12&upstream=openssl', … })
 *   // { key: { ecosystem: 'Debian:12', name: 'openssl' }, version: '3.0.11-1' }
 */
import type { ReportComponent } from '../model/report.js';
import { osvEcosystemFor, parsePurl } from '../purl/index.js';
import type { PackageKey } from './advisory-source.js';
import { normalizePackageName } from './package-names.js';

export interface ComponentQuery {
  key: PackageKey;
  /** The version advisories speak of: for distro packages, the source package's. */
  version: string;
}

/**
 * The package key and version to look up, or undefined when the purl maps
 * to no OSV ecosystem. OS packages are matched in their distribution's
 * release only (Debian:12, Alpine:v3.19), by source package, at the source
 * version; language packages in their own ecosystem only.
 */
export function componentQuery(component: ReportComponent): ComponentQuery | undefined {
  const purl = parsePurl(component.purl);
  const key = osvEcosystemFor(purl);
  if (key === undefined) return undefined;
  let name = key.name;
  // purls lowercase npm names; advisories keep the registry's spelling (JSONStream).
  if (key.ecosystem === 'npm' && component.name !== key.name && component.name.toLowerCase() === key.name) name = component.name;
  let version = component.version;
  if (purl.type === 'deb' || purl.type === 'apk') {
    const upstream = purl.qualifiers['upstream'];
    const at = upstream === undefined ? -1 : upstream.indexOf('@');
    version = component.sourceVersion ?? (at > 0 ? (upstream as string).slice(at + 1) : component.version);
  }
  // rpm advisories speak of epoch:version-release; a purl keeps the epoch in a qualifier.
  const epoch = purl.qualifiers['epoch'];
  if (purl.type === 'rpm' && epoch !== undefined && !version.includes(':')) version = `${epoch}:${version}`;
  return { key: { ecosystem: key.ecosystem, name: normalizePackageName(key.ecosystem, name) }, version };
}
