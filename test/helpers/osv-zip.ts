/**
 * Every OSV record of an osv.dev-layout zip, read independently of our
 * importer and of our zip reader (fflate's unzip; the test data is small
 * and trusted).
 */
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import type { OsvRecord } from '../../core/model/osv.js';

export async function readZipRecords(path: string): Promise<OsvRecord[]> {
  const files = unzipSync(await readFile(path), { filter: (file) => file.name.endsWith('.json') });
  const decoder = new TextDecoder();
  return Object.values(files).map((bytes) => JSON.parse(decoder.decode(bytes)) as OsvRecord);
}
