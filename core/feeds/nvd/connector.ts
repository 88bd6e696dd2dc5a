/**
 * The NVD connector: CVSS vectors by CVE from NVD's CVE JSON 2.0 (an API
 * 2.0 response or a yearly file of that shape) become `feeds/nvd/cvss.tsv`
 * (`table.ts`). Findings whose advisories give no severity take NVD's, by
 * CVE id (`core/match/resolve-severity.ts`).
 *
 * @example
 *   const { file, rows } = nvdConnector.table({ name: 'nvdcve-2.0-2024.json', bytes });
 */
import type { FeedSource, NormalisedTable, TableConnector } from '../connector.js';
import { parseNvdCveJson } from './cve-json.js';
import { formatNvdTable, NVD_FEED_PATH } from './table.js';

/** A yearly file is 50–250 MB of JSON; the table is parsed whole, so more is refused. */
const MAX_SOURCE_BYTES = 512 * 1024 * 1024;

/**
 * By content: the API's `"format": "NVD_CVE"` header, or (a file that left
 * the header out) a `vulnerabilities` list whose items hold a `cve` object.
 * KEV also has `vulnerabilities`, but its items are flat (`cveID`).
 */
function recognise(head: Uint8Array): boolean {
  const text = new TextDecoder().decode(head);
  return /"format"\s*:\s*"NVD_CVE"/.test(text) || /"vulnerabilities"\s*:\s*\[\s*\{\s*"cve"\s*:\s*\{/.test(text);
}

function table(source: FeedSource): NormalisedTable {
  const parsed = parseNvdCveJson(source.bytes, source.name);
  return { file: new TextEncoder().encode(formatNvdTable(parsed.rows)), rows: parsed.rows.length, warnings: parsed.warnings };
}

/**
 * NVD's CVSS scores (CVE JSON 2.0).
 *
 * @example
 *   nvdConnector.path; // 'feeds/nvd/cvss.tsv'
 */
export const nvdConnector: TableConnector = Object.freeze({
  kind: 'table',
  name: 'nvd',
  description: "NVD's CVSS scores by CVE (CVE API 2.0 JSON: {\"format\":\"NVD_CVE\",\"vulnerabilities\":[{\"cve\":…}]})",
  feed: 'nvd',
  path: NVD_FEED_PATH,
  maxSourceBytes: MAX_SOURCE_BYTES,
  recognise,
  table,
});
