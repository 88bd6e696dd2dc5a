/**
 * CISA's Known Exploited Vulnerabilities catalog
 * (https://www.cisa.gov/known-exploited-vulnerabilities-catalog), read into
 * the few fields a finding needs: is this CVE exploited in the wild, since
 * when, by when must it be fixed, and is it used by ransomware.
 *
 * The catalog is checked against CISA's published schema. A catalog
 * without its version, release date or vulnerability list cannot be used
 * and is refused (ADVISORY_INVALID); a single vulnerability that breaks the
 * schema is skipped and counted, and the rest is kept.
 *
 * @example
 *   const { catalog } = parseKevCatalog(JSON.parse(text), 'known_exploited_vulnerabilities.json');
 *   catalog.entries.get('CVE-2021-44228')?.knownRansomwareCampaignUse; // 'Known'
 */
import { parseUntrustedJson } from '../../json/untrusted.js';
import { StellaError } from '../../errors.js';
import { isObject, KevCollector, readKevHeader, type KevParse } from './entry.js';

/**
 * True when a parsed JSON value looks like a KEV catalog (a version and a
 * vulnerability list), so an import can tell the format from content.
 *
 * @example
 *   isKevCatalog({ catalogVersion: '2025.08.25', vulnerabilities: [] }); // true
 *   isKevCatalog({ id: 'GHSA-…', modified: '…' });                      // false
 */
export function isKevCatalog(json: unknown): boolean {
  return isObject(json) && typeof json['catalogVersion'] === 'string' && Array.isArray(json['vulnerabilities']);
}

/**
 * Parses the bytes of `known_exploited_vulnerabilities.json`. Throws
 * JSON_INVALID when they are not JSON, then as `parseKevCatalog`.
 *
 * @example
 *   const { catalog, skipped } = parseKevCatalogBytes(bytes, 'kev.json');
 */
export function parseKevCatalogBytes(bytes: Uint8Array, source: string): KevParse {
  let json: unknown;
  try {
    json = parseUntrustedJson(source, new TextDecoder().decode(bytes));
  } catch (error) {
    // JSON.parse quotes the input around the error, newlines included; an error message stays on one line.
    throw new StellaError('JSON_INVALID', `${source}: not valid JSON (${(error as Error).message.replace(/\s+/g, ' ')})`, { cause: error });
  }
  return parseKevCatalog(json, source);
}

/**
 * Validates a parsed KEV catalog. Throws ADVISORY_INVALID when the catalog
 * as a whole is unusable; skips and counts bad vulnerabilities. A `count`
 * that disagrees with the list is a warning: the list is what we have.
 *
 * @example
 *   parseKevCatalog({ catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z', count: 0, vulnerabilities: [] }, 'kev.json')
 *     .catalog.entries.size; // 0
 */
export function parseKevCatalog(json: unknown, source: string): KevParse {
  const fail = (problem: string): never => {
    throw new StellaError('ADVISORY_INVALID', `${source}: ${problem}`);
  };
  if (!isObject(json)) return fail('not a KEV catalog (expected a JSON object)');
  const header = readKevHeader(json, fail);
  const vulnerabilities = json['vulnerabilities'];
  if (!Array.isArray(vulnerabilities)) return fail('not a KEV catalog (no "vulnerabilities" list)');
  const collector = new KevCollector(source);
  vulnerabilities.forEach((item: unknown, index) => collector.add(item, `vulnerabilities[${index}]`));
  const count = json['count'];
  if (count !== undefined && count !== vulnerabilities.length) {
    collector.warn(`${source}: "count" is ${JSON.stringify(count)} but the catalog lists ${vulnerabilities.length} vulnerabilities`);
  }
  return collector.finish(header);
}
