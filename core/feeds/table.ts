/**
 * The files a table connector's import writes: the canonical table, its
 * manifest (one shard — the file — and one source entry, with their
 * digests and row counts), and the manifest's detached JWS:
 *
 *   feeds/kev/catalog.jsonl   + manifest.json + manifest.json.jws
 *   feeds/epss/scores.csv     + manifest.json + manifest.json.jws
 *
 * @example
 *   const { changes, rows } = await tableFeedFiles(kevConnector, { name: 'kev.json', bytes }, key);
 */
import { sha256Hex } from '../sign/encoding.js';
import { signDetachedJws } from '../sign/jws.js';
import type { SigningKey } from '../sign/keys.js';
import type { FeedSource, TableConnector } from './connector.js';
import { buildManifest, encodeManifest, MANIFEST_SIGNATURE_SUFFIX } from './manifest.js';

/**
 * One table's import: path → bytes for the commit, and what was read.
 *
 * @example
 *   { changes: Map { 'feeds/kev/catalog.jsonl' => …, 'feeds/kev/manifest.json' => …, 'feeds/kev/manifest.json.jws' => … }, rows: 1404, warnings: [] }
 */
export interface TableFeedFiles {
  changes: Map<string, Uint8Array>;
  rows: number;
  warnings: string[];
}

/**
 * Normalises one source with its connector and builds the signed files.
 * Throws what the connector throws when the source is unusable.
 *
 * @example
 *   const files = await tableFeedFiles(epssConnector, { name: 'epss.csv', bytes }, key);
 *   files.changes.has('feeds/epss/manifest.json'); // true
 */
export async function tableFeedFiles(connector: TableConnector, source: FeedSource, key: SigningKey): Promise<TableFeedFiles> {
  const { file, rows, warnings } = connector.table(source);
  const folder = connector.path.slice(0, connector.path.lastIndexOf('/'));
  const fileName = connector.path.slice(folder.length + 1);
  const manifest = encodeManifest(
    buildManifest(connector.feed, { [fileName]: { sha256: await sha256Hex(file), records: rows } }, {}, { [source.name]: { sha256: await sha256Hex(source.bytes), records: rows } }),
  );
  const changes = new Map<string, Uint8Array>([
    [connector.path, file],
    [`${folder}/manifest.json`, manifest],
    [`${folder}/manifest.json${MANIFEST_SIGNATURE_SUFFIX}`, new TextEncoder().encode(`${await signDetachedJws(manifest, key)}\n`)],
  ]);
  return { changes, rows, warnings };
}
