/**
 * SBOM-first input: the packages a CycloneDX or SPDX JSON document names,
 * read defensively. Limits: 64 MiB, nesting 256 deep (checked before
 * parsing), names ≤ 1024 and versions ≤ 256 characters, purls ≤ 4096.
 * Whole-document problems throw; a bad component is skipped with a warning.
 */
import { StellaError } from '../errors.js';
import { ComponentCollector } from './collect.js';
import type { SbomComponent } from './collect.js';
import type { JsonLimits } from '../json/untrusted.js';
import { parseJsonBytes, printable } from '../json/untrusted.js';
import { isRecord, readCycloneDx } from './read-cyclonedx.js';
import { readSpdx } from './read-spdx.js';

export type { SbomComponent } from './collect.js';

/** What `readSbom` found. */
export interface SbomDocument {
  format: 'cyclonedx' | 'spdx';
  /** `1.2`…`1.7` for CycloneDX, `2.2` / `2.3` for SPDX. */
  specVersion: string;
  /** Unique by canonical purl, sorted by purl. */
  components: SbomComponent[];
  /** One line each, prefixed with the input's name. */
  warnings: string[];
  /** The subject: CycloneDX `metadata.component.name`, SPDX document `name`. */
  name?: string;
}

/** Default input limits. */
export const SBOM_LIMITS: Readonly<JsonLimits> = { maxBytes: 64 * 1024 * 1024, maxDepth: 256 };

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * Reads a CycloneDX (1.2–1.7) or SPDX (2.2, 2.3) JSON document.
 *
 * Throws StellaError: LIMIT_EXCEEDED (over 64 MiB), JSON_INVALID (malformed,
 * or nested deeper than 256), SBOM_INVALID (neither format, or an
 * unsupported version).
 *
 * @example
 *   const sbom = readSbom('app.cdx.json', bytes);
 *   // { format: 'cyclonedx', specVersion: '1.6', components: [{ purl: 'pkg:npm/lodash@4.17.21', … }], warnings: [] }
 */
export function readSbom(name: string, bytes: Uint8Array, limits: JsonLimits = SBOM_LIMITS): SbomDocument {
  const label = printable(name);
  const decodeWarnings: string[] = [];
  const doc = parseJsonBytes(label, bytes, limits, decodeWarnings);
  if (!isRecord(doc)) {
    throw new StellaError('SBOM_INVALID', `${label}: not an SBOM: the top-level JSON value is ${kindOf(doc)}, not an object`);
  }
  const collector = new ComponentCollector(label);
  let header: { specVersion: string; name?: string };
  let format: SbomDocument['format'];
  if (doc['bomFormat'] === 'CycloneDX') {
    format = 'cyclonedx';
    header = readCycloneDx(label, doc, collector);
  } else if (doc['spdxVersion'] !== undefined) {
    format = 'spdx';
    header = readSpdx(label, doc, collector);
  } else {
    const bomFormat = typeof doc['bomFormat'] === 'string' ? `bomFormat is ${JSON.stringify(printable(doc['bomFormat'], 40))}` : 'no bomFormat';
    throw new StellaError('SBOM_INVALID', `${label}: not a CycloneDX or SPDX JSON document (${bomFormat}, no spdxVersion)`);
  }
  const { components, warnings } = collector.finish();
  return { format, ...header, components, warnings: [...decodeWarnings, ...warnings] };
}
