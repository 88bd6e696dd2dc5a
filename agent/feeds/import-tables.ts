/**
 * Enrichment tables mirrored as feeds: CISA's Known Exploited
 * Vulnerabilities catalog and FIRST's EPSS scores. Each is stored in a
 * canonical, sorted, line-oriented form with its own signed manifest:
 *
 *   feeds/kev/catalog.jsonl   + manifest.json + manifest.json.jws
 *   feeds/epss/scores.csv     + manifest.json + manifest.json.jws
 *
 * The files are parsed (and so checked) before anything is committed.
 *
 * @example
 *   const changes = await tableChanges(sources, key);   // path → bytes, for the import commit
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { StellaError } from '../../core/errors.js';
import { EPSS_FEED_PATH, formatEpssCsv, parseEpssCsv } from '../../core/feeds/epss/csv.js';
import { formatKevLines, KEV_FEED_PATH } from '../../core/feeds/kev/lines.js';
import { parseKevCatalogBytes } from '../../core/feeds/kev/catalog.js';
import { buildManifest, encodeManifest } from '../../core/feeds/manifest.js';
import { signDetachedJws } from '../../core/sign/jws.js';
import type { SigningKey } from '../../core/sign/keys.js';
import type { SourceFile } from './sources.js';

export interface TableImport {
  changes: Map<string, Uint8Array>;
  warnings: string[];
  /** Rows per table, for the summary: `{ kev: 1404 }`. */
  rows: Record<string, number>;
}

export async function tableChanges(sources: readonly SourceFile[], key: SigningKey): Promise<TableImport> {
  const result: TableImport = { changes: new Map(), warnings: [], rows: {} };
  const byKind = (kind: 'kev' | 'epss'): SourceFile[] => sources.filter((s) => s.kind === kind);
  for (const kind of ['kev', 'epss'] as const) {
    const files = byKind(kind);
    if (files.length === 0) continue;
    if (files.length > 1) throw new StellaError('USAGE', `${files.map((f) => f.name).join(', ')}: give one ${kind.toUpperCase()} file per import`);
    const source = files[0] as SourceFile;
    const bytes = await readFile(source.path);
    let text: string;
    let rows: number;
    if (kind === 'kev') {
      const parsed = parseKevCatalogBytes(bytes, source.name);
      text = formatKevLines(parsed.catalog);
      rows = parsed.catalog.entries.size;
      result.warnings.push(...parsed.warnings);
    } else {
      const parsed = parseEpssCsv(bytes, source.name);
      text = formatEpssCsv(parsed);
      rows = parsed.scores.size;
      result.warnings.push(...parsed.warnings);
    }
    const path = kind === 'kev' ? KEV_FEED_PATH : EPSS_FEED_PATH;
    const file = new TextEncoder().encode(text);
    const fileName = path.slice(path.lastIndexOf('/') + 1);
    const manifest = encodeManifest(
      buildManifest(kind, { [fileName]: { sha256: sha256(file), records: rows } }, {}, { [source.name]: { sha256: sha256(bytes), records: rows } }),
    );
    const folder = path.slice(0, path.lastIndexOf('/'));
    result.changes.set(path, file);
    result.changes.set(`${folder}/manifest.json`, manifest);
    result.changes.set(`${folder}/manifest.json.jws`, new TextEncoder().encode(`${await signDetachedJws(manifest, key)}\n`));
    result.rows[kind] = rows;
  }
  return result;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
