/**
 * Our CycloneDX 1.6 SBOM, built with @cyclonedx/cyclonedx-library's models
 * and JSON normaliser. Deterministic: the same input gives the same bytes
 * (`JSON.stringify` of the result). Components are sorted by bom-ref in
 * code-unit order, there is no timestamp unless the caller passes one, and
 * the serial number is derived from the content.
 *
 * Only the Models, Enums, Spec and Serialize entry points are imported;
 * none of them loads a `node:` module. The library's validator (ajv plus
 * schema files read from disk, so Node only) is for tests:
 * test/helpers/cyclonedx-validate.ts.
 */
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { StellaError } from '../errors.js';
import type { OsRelease } from '../model/package.js';
import { printable } from '../json/untrusted.js';
import { sha256 } from './sha256.js';

/** The JSON form of a CycloneDX BOM, as the library's normaliser types it. */
export type CycloneDxBom = Serialize.JSON.Types.Normalized.Bom;

/** What was scanned. `ReportTarget` (core/model/report.ts) fits. */
export interface CycloneDxTarget {
  /** `oci-layout`, `docker-archive`, `directory`, `cyclonedx-sbom`, …; mapped to a CycloneDX component type. */
  kind: string;
  name: string;
  /** `sha256:<hex>`: image or file digest. */
  digest?: string;
  os?: OsRelease;
}

/** One component. `ReportComponent` (core/model/report.ts) fits. */
export interface CycloneDxComponentInput {
  purl: string;
  /** As the ecosystem spells it; npm scoped names (`@babel/core`) become group + name. */
  name: string;
  version: string;
  /** purl type (`deb`, `npm`, …). */
  type?: string;
  /** CycloneDX component type; `library` by default. */
  componentType?: 'library' | 'application' | 'framework' | 'operating-system';
  /** Diff id of the layer that introduced it → property `stella:layer`. */
  layer?: string;
  /** Files that recorded it → one `stella:source-file` property each. */
  locations?: readonly string[];
  /** dpkg source package and version → `stella:source-package` / `stella:source-version`. */
  sourceName?: string;
  sourceVersion?: string;
}

/** Everything `buildCycloneDx` puts in the document. */
export interface CycloneDxInput {
  target: CycloneDxTarget;
  components: readonly CycloneDxComponentInput[];
  tool: { name: string; version: string };
  /** The caller's clock, when the document should carry one; left out by default so output is reproducible. */
  timestamp?: Date | string;
  /**
   * A synchronous SHA-256 for the serial number, when the runtime has a native
   * one (Node's crypto): the JS one below runs cold in a one-shot process,
   * tens of ms for a few hundred components. Same digest either way.
   */
  sha256?: (bytes: Uint8Array) => Uint8Array;
}

const COMPONENT_TYPES = {
  library: Enums.ComponentType.Library,
  application: Enums.ComponentType.Application,
  framework: Enums.ComponentType.Framework,
  'operating-system': Enums.ComponentType.OperatingSystem,
} as const;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function targetType(kind: string): Enums.ComponentType {
  if (/oci|docker|image|container/i.test(kind)) return Enums.ComponentType.Container;
  if (/dir|rootfs|filesystem/i.test(kind)) return Enums.ComponentType.File;
  return Enums.ComponentType.Application;
}

function subject(target: CycloneDxTarget): Models.Component {
  const component = new Models.Component(targetType(target.kind), target.name, { bomRef: `stella:target:${target.name}` });
  component.properties.add(new Models.Property('stella:target-kind', target.kind));
  if (target.digest !== undefined) {
    component.properties.add(new Models.Property('stella:digest', target.digest));
    const hex = /^sha256:([0-9a-f]{64})$/.exec(target.digest)?.[1];
    if (hex !== undefined) component.hashes.set(Enums.HashAlgorithm['SHA-256'], hex);
  }
  return component;
}

function operatingSystem(os: OsRelease): Models.Component {
  const version = os.versionId ?? os.versionCodename;
  return new Models.Component(Enums.ComponentType.OperatingSystem, os.id, {
    bomRef: version === undefined ? `stella:os:${os.id}` : `stella:os:${os.id}@${version}`,
    ...(version === undefined ? {} : { version }),
    ...(os.prettyName === undefined ? {} : { description: os.prettyName }),
  });
}

function sortKey(c: CycloneDxComponentInput): string {
  return [c.purl, c.layer ?? '', (c.locations ?? []).join('\u0001'), c.name, c.version, c.sourceName ?? '', c.sourceVersion ?? ''].join('\u0000');
}

/**
 * Unique bom-refs: a purl seen once is its own bom-ref; the same purl in
 * several places (two node_modules copies, two layers) gets `|2`, `|3`, …
 * in the sorted order of where it was found. Exact repeats are merged.
 */
function withBomRefs(components: readonly CycloneDxComponentInput[]): { ref: string; input: CycloneDxComponentInput }[] {
  const sorted = [...new Map(components.map((c) => [sortKey(c), c])).entries()].sort(([a], [b]) => compare(a, b)).map(([, c]) => c);
  const seen = new Map<string, number>();
  const out = sorted.map((input) => {
    const n = (seen.get(input.purl) ?? 0) + 1;
    seen.set(input.purl, n);
    return { ref: n === 1 ? input.purl : `${input.purl}|${n}`, input };
  });
  return out.sort((a, b) => compare(a.ref, b.ref));
}

function component(ref: string, input: CycloneDxComponentInput): Models.Component {
  const scoped = /^(@[^/]+)\/(.+)$/.exec(input.name);
  const isNpmScoped = scoped !== null && (input.type === 'npm' || input.purl.startsWith('pkg:npm/'));
  const c = new Models.Component(COMPONENT_TYPES[input.componentType ?? 'library'], isNpmScoped ? scoped[2]! : input.name, {
    bomRef: ref,
    purl: input.purl,
    ...(isNpmScoped ? { group: scoped[1]! } : {}),
    ...(input.version === '' ? {} : { version: input.version }),
  });
  if (input.layer !== undefined) c.properties.add(new Models.Property('stella:layer', input.layer));
  for (const file of [...new Set(input.locations ?? [])].sort(compare)) c.properties.add(new Models.Property('stella:source-file', file));
  if (input.sourceName !== undefined) c.properties.add(new Models.Property('stella:source-package', input.sourceName));
  if (input.sourceVersion !== undefined) c.properties.add(new Models.Property('stella:source-version', input.sourceVersion));
  return c;
}

/**
 * `urn:uuid:` from the first 16 bytes of a SHA-256, with the version nibble 5 and the RFC 4122 variant (the 1.6 schema's serialNumber pattern only admits versions 1–5).
 * Exported for documents built on top of this one (core/export's CycloneDX with vulnerabilities, CycloneDX VEX).
 *
 * @example serialFrom(sha256(bytes)); // 'urn:uuid:…-5…-…'
 */
export function serialFrom(digest: Uint8Array): string {
  const b = digest.slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function timestampOf(value: Date | string): Date {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new StellaError('USAGE', `buildCycloneDx: timestamp ${JSON.stringify(printable(String(value), 60))} is not a valid date`);
  return date;
}

/**
 * Builds a CycloneDX 1.6 JSON document (as an object; `JSON.stringify` it).
 *
 * @example
 *   const bom = buildCycloneDx({
 *     target: { kind: 'oci-layout', name: 'debian-node', digest: 'sha256:…', os: { id: 'debian', versionId: '12' } },
 *     components: [{ purl: 'pkg:npm/lodash@4.17.20', name: 'lodash', version: '4.17.20', type: 'npm', locations: ['app/package-lock.json'] }],
 *     tool: { name: 'stella', version: '0.1.0' },
 *   });
 *   bom.serialNumber // 'urn:uuid:…-5…' — the same for the same input
 */
export function buildCycloneDx(input: CycloneDxInput): CycloneDxBom {
  const bom = new Models.Bom();
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, input.tool.name, { version: input.tool.version }));
  bom.metadata.component = subject(input.target);
  if (input.timestamp !== undefined) bom.metadata.timestamp = timestampOf(input.timestamp);
  const entries: { ref: string; component: Models.Component }[] = withBomRefs(input.components).map(({ ref, input: c }) => ({ ref, component: component(ref, c) }));
  if (input.target.os !== undefined) {
    const os = operatingSystem(input.target.os);
    entries.push({ ref: os.bomRef.value ?? '', component: os });
  }
  entries.sort((a, b) => compare(a.ref, b.ref));
  for (const entry of entries) bom.components.add(entry.component);

  // sortLists would sort with localeCompare (locale-dependent); our insertion order is already canonical.
  const normalizer = new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6).makeForBom();
  const unsigned = normalizer.normalize(bom, { sortLists: false });
  bom.serialNumber = serialFrom((input.sha256 ?? sha256)(new TextEncoder().encode(JSON.stringify(unsigned))));
  return normalizer.normalize(bom, { sortLists: false });
}
