/**
 * Enrichment tables mirrored as feeds (CISA KEV, FIRST EPSS: the `table`
 * feed connectors). Each source is read here and normalised, with its
 * manifest and signature, by `core/feeds/table.ts`. The files are parsed
 * (and so checked) before anything is committed.
 *
 * @example
 *   const changes = await tableChanges(sources, key);   // path → bytes, for the import commit
 */
import { StellaError } from '../../core/errors.js';
import { defaultConnectors, type ConnectorRegistry } from '../../core/feeds/registry.js';
import { tableFeedFiles } from '../../core/feeds/table.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { isTableSource, readSource, type SourceFile } from './sources.js';

export interface TableImport {
  changes: Map<string, Uint8Array>;
  warnings: string[];
  /** Rows per table, for the summary: `{ kev: 1404 }`. */
  rows: Record<string, number>;
}

/** One source per table connector, taken in registry order; two for the same table are ambiguous and refused. */
export async function tableChanges(sources: readonly SourceFile[], key: SigningKey, connectors: ConnectorRegistry = defaultConnectors): Promise<TableImport> {
  const result: TableImport = { changes: new Map(), warnings: [], rows: {} };
  const tables = sources.filter(isTableSource);
  for (const connector of connectors.connectors) {
    const files = tables.filter((s) => s.connector === connector);
    if (files.length === 0 || connector.kind !== 'table') continue;
    if (files.length > 1) throw new StellaError('USAGE', `${files.map((f) => f.name).join(', ')}: give one ${connector.name.toUpperCase()} file per import`);
    for await (const item of readSource(files[0] as SourceFile)) {
      if (item.$case === 'warning') {
        result.warnings.push(item.message);
        continue;
      }
      const table = await tableFeedFiles(connector, { name: item.source, bytes: item.bytes }, key);
      for (const [path, bytes] of table.changes) result.changes.set(path, bytes);
      result.warnings.push(...table.warnings);
      result.rows[connector.name] = table.rows;
    }
  }
  return result;
}
