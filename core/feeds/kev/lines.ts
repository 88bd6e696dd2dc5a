/**
 * How the KEV catalog is kept in the state repository: one file, one line
 * per CVE, so a pull request shows exactly which CVEs CISA added or changed.
 *
 *   feeds/kev/catalog.jsonl
 *   {"catalogVersion":"2025.08.25","count":1404,"dateReleased":"2025-08-25T17:04:19.9796Z","type":"stella.kev-catalog/v1"}
 *   {"cveID":"CVE-2002-0367","dateAdded":"2022-03-03","dueDate":"2022-03-17",…,"vendorProject":"Microsoft"}
 *   …
 *
 * Every line is canonical JSON (sorted keys, no blanks) and entries are in
 * CVE order (year, then number), so the same catalog always gives the same
 * bytes. Reading the file back checks each entry exactly as the JSON
 * catalog is checked.
 *
 * @example
 *   const text = formatKevLines(catalog);
 *   parseKevLines(text, KEV_FEED_PATH).catalog; // equal to `catalog`
 */
import { StellaError } from '../../errors.js';
import { canonicalJson } from '../../sign/canonical-json.js';
import { isObject, KevCollector, readKevHeader, type KevCatalog, type KevParse } from './entry.js';

/**
 * Where the catalog lives in the state repository.
 *
 * @example
 *   await store.readFile(commit, KEV_FEED_PATH);
 */
export const KEV_FEED_PATH = 'feeds/kev/catalog.jsonl';

/**
 * The `type` of the first line; a new layout gets a new version.
 *
 * @example
 *   JSON.parse(firstLine).type === KEV_LINES_TYPE;
 */
export const KEV_LINES_TYPE = 'stella.kev-catalog/v1';

/**
 * The canonical text of a catalog: a header line, then one line per CVE in
 * CVE order, each newline-terminated.
 *
 * @example
 *   formatKevLines({ catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z', entries: new Map() });
 *   // '{"catalogVersion":"2025.08.25","count":0,"dateReleased":"2025-08-25T17:04:19.9796Z","type":"stella.kev-catalog/v1"}\n'
 */
export function formatKevLines(catalog: KevCatalog): string {
  const header = canonicalJson({
    type: KEV_LINES_TYPE,
    catalogVersion: catalog.catalogVersion,
    dateReleased: catalog.dateReleased,
    count: catalog.entries.size,
  });
  // The entries of a KevCatalog are already in CVE order (KevCollector sorts them).
  const lines = [header];
  for (const [cveID, entry] of catalog.entries) lines.push(canonicalJson({ cveID, ...entry }));
  return `${lines.join('\n')}\n`;
}

/**
 * Reads the canonical text back. Throws ADVISORY_INVALID when the first
 * line is not a KEV header; a line that is not JSON or not a valid entry is
 * skipped and counted.
 *
 * @example
 *   const { catalog, skipped } = parseKevLines(text, 'feeds/kev/catalog.jsonl');
 */
export function parseKevLines(input: string | Uint8Array, source: string): KevParse {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  const lines = text.split('\n');
  const fail = (problem: string): never => {
    throw new StellaError('ADVISORY_INVALID', `${source}:1: ${problem}`);
  };
  const first = parseLine(lines[0] ?? '');
  if (!isObject(first) || first['type'] !== KEV_LINES_TYPE) return fail(`not a KEV catalog file (expected a "${KEV_LINES_TYPE}" header line)`);
  const header = readKevHeader(first, fail);
  const collector = new KevCollector(source);
  let count = 0;
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line.trim() === '') continue;
    count += 1;
    const item = parseLine(line);
    if (item === undefined) collector.skip(`${source}:${index + 1}: skipped: not a JSON line`);
    else collector.add(item, `line ${index + 1}`);
  }
  if (first['count'] !== count) collector.warn(`${source}:1: "count" is ${JSON.stringify(first['count'])} but the file has ${count} entry lines`);
  return collector.finish(header);
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
