/**
 * The FIRST EPSS connector: a daily `epss_scores-YYYY-MM-DD.csv`
 * (decompressed) becomes `feeds/epss/scores.csv` in canonical form
 * (`csv.ts`).
 *
 * @example
 *   const { file, rows } = epssConnector.table({ name: 'epss_scores-2023-11-28.csv', bytes });
 */
import type { FeedSource, NormalisedTable, TableConnector } from '../connector.js';
import { EPSS_FEED_PATH, formatEpssCsv, parseEpssCsv } from './csv.js';
import { isEpssCsv } from './parser.js';

/** A daily file is about 10 MB (some 250,000 CVEs); room for years of growth. */
const MAX_SCORES_BYTES = 256 * 1024 * 1024;

function recognise(head: Uint8Array): boolean {
  return isEpssCsv(new TextDecoder().decode(head).split('\n', 1)[0] ?? '');
}

function table(source: FeedSource): NormalisedTable {
  const parsed = parseEpssCsv(source.bytes, source.name);
  return { file: new TextEncoder().encode(formatEpssCsv(parsed)), rows: parsed.scores.size, warnings: parsed.warnings };
}

/**
 * FIRST's Exploit Prediction Scoring System scores.
 *
 * @example
 *   epssConnector.recognise(new TextEncoder().encode('cve,epss,percentile\n')); // true
 */
export const epssConnector: TableConnector = Object.freeze({
  kind: 'table',
  name: 'epss',
  description: "FIRST's EPSS scores (epss_scores-YYYY-MM-DD.csv, decompressed)",
  feed: 'epss',
  path: EPSS_FEED_PATH,
  maxSourceBytes: MAX_SCORES_BYTES,
  recognise,
  table,
});
