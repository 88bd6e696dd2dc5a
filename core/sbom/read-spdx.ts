/**
 * SPDX 2.2 / 2.3 JSON: every package's purl external references.
 *
 * Relationships are never read. SPDX allows cycles (A DEPENDS_ON B
 * DEPENDS_ON A, A CONTAINS A); a package list needs no graph walk, so each
 * package is reported exactly once however the graph is shaped.
 */
import { StellaError } from '../errors.js';
import type { ComponentCollector } from './collect.js';
import { printable } from '../json/untrusted.js';
import { isRecord } from './read-cyclonedx.js';

const SPDX_VERSIONS: Readonly<Record<string, string>> = { 'SPDX-2.2': '2.2', 'SPDX-2.3': '2.3' };

/**
 * Reads a parsed SPDX JSON document into `collector`. Throws SBOM_INVALID
 * for other SPDX versions.
 *
 * @example readSpdx('sbom.spdx.json', JSON.parse(text), collector) // { specVersion: '2.3', name: 'my-image' }
 */
export function readSpdx(label: string, doc: Record<string, unknown>, collector: ComponentCollector): { specVersion: string; name?: string } {
  const declared = doc['spdxVersion'];
  const specVersion = typeof declared === 'string' ? SPDX_VERSIONS[declared] : undefined;
  if (specVersion === undefined) {
    throw new StellaError('SBOM_INVALID', `${label}: spdxVersion ${JSON.stringify(printable(String(declared), 20))} is not supported (SPDX-2.2 or SPDX-2.3 JSON)`);
  }
  const packages = doc['packages'];
  if (packages !== undefined && !Array.isArray(packages)) collector.warn('packages is not an array; ignored');
  (Array.isArray(packages) ? packages : []).forEach((pkg: unknown, index) => {
    const at = `packages[${index}]`;
    if (!isRecord(pkg)) return collector.warn(`${at} is not an object; skipped`);
    const refs = Array.isArray(pkg['externalRefs']) ? pkg['externalRefs'] : [];
    // Category is PACKAGE-MANAGER in 2.3 and PACKAGE_MANAGER in 2.2; the type alone identifies a purl.
    const purls = refs.filter((ref: unknown) => isRecord(ref) && typeof ref['referenceType'] === 'string' && ref['referenceType'].toLowerCase() === 'purl');
    if (purls.length === 0) return collector.withoutPurl(pkg['name']);
    for (const ref of purls as Record<string, unknown>[]) collector.add(at, ref['referenceLocator'], pkg['name'], pkg['versionInfo']);
  });
  const name = typeof doc['name'] === 'string' ? doc['name'] : undefined;
  return name === undefined ? { specVersion } : { specVersion, name: printable(name, 256) };
}
