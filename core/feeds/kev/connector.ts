/**
 * The CISA KEV connector: `known_exploited_vulnerabilities.json` becomes
 * `feeds/kev/catalog.jsonl`, one canonical line per CVE (`lines.ts`).
 *
 * @example
 *   const { file, rows } = kevConnector.table({ name: 'kev.json', bytes });
 */
import type { FeedSource, NormalisedTable, TableConnector } from '../connector.js';
import { parseKevCatalogBytes } from './catalog.js';
import { formatKevLines, KEV_FEED_PATH } from './lines.js';

/** The catalog is about 1.5 MB; far more is not a KEV catalog. */
const MAX_CATALOG_BYTES = 64 * 1024 * 1024;

/**
 * KEV is JSON like an OSV record; its top-level keys tell them apart. The
 * catalog's header (`catalogVersion`, then `vulnerabilities`) comes first.
 */
function recognise(head: Uint8Array): boolean {
  const text = new TextDecoder().decode(head);
  return /"catalogVersion"\s*:/.test(text) && /"vulnerabilities"\s*:/.test(text);
}

function table(source: FeedSource): NormalisedTable {
  const parsed = parseKevCatalogBytes(source.bytes, source.name);
  return { file: new TextEncoder().encode(formatKevLines(parsed.catalog)), rows: parsed.catalog.entries.size, warnings: parsed.warnings };
}

/**
 * CISA's Known Exploited Vulnerabilities catalog.
 *
 * @example
 *   kevConnector.path; // 'feeds/kev/catalog.jsonl'
 */
export const kevConnector: TableConnector = Object.freeze({
  kind: 'table',
  name: 'kev',
  description: "CISA's Known Exploited Vulnerabilities catalog (known_exploited_vulnerabilities.json)",
  feed: 'kev',
  path: KEV_FEED_PATH,
  maxSourceBytes: MAX_CATALOG_BYTES,
  recognise,
  table,
});
