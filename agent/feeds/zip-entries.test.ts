/**
 * Issue-8 class 9 through the feed reader: one encrypted or LZMA entry is
 * skipped with a warning while the rest of the OSV zip loads; a zip whose
 * directory points many names at one local entry is refused whole.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centralRecord, overlapBomb } from '../../core/archive/zip/forge.test-helper.js';
import { readSource, resolveSources, type SourceItem } from './sources.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-zip-entries-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const record = (id: string): Uint8Array => encode(JSON.stringify({ id, modified: '2024-01-01T00:00:00Z', affected: [] }));


async function items(bytes: Uint8Array, name: string): Promise<SourceItem[]> {
  const folder = join(dir, name);
  const path = join(folder, 'all.zip');
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  await writeFile(path, bytes);
  const out: SourceItem[] = [];
  for (const source of await resolveSources([path])) for await (const item of readSource(source)) out.push(item);
  return out;
}

describe('feed zips with entries that cannot be read', () => {
  it('skips an encrypted and an LZMA entry with warnings and loads the rest', async () => {
    const zip = zipSync({ 'A-1.json': record('A-1'), 'A-2.json': record('A-2'), 'A-3.json': record('A-3') });
    const view = new DataView(zip.buffer);
    view.setUint16(centralRecord(zip, 'A-1.json') + 8, 1, true);
    view.setUint16(centralRecord(zip, 'A-2.json') + 10, 14, true);
    const got = await items(zip, 'Mixed');
    expect(got.filter((i) => i.$case === 'record').map((i) => (i.$case === 'record' ? i.label : ''))).toEqual(['Mixed/all.zip:A-3.json']);
    expect(got.filter((i) => i.$case === 'warning').map((i) => (i.$case === 'warning' ? i.message : ''))).toEqual([
      "Mixed/all.zip: entry 'A-1.json' is encrypted; skipped",
      "Mixed/all.zip: entry 'A-2.json' is not readable (compression method 14 is not supported); skipped",
    ]);
  });

  it('refuses a zip whose directory points many names at one local entry', async () => {
    // 'B-<digit>.json': names that differ from the local header
    const out = overlapBomb(zipSync({ 'B-1.json': record('B-1') }), 'B-1.json', 100, 2);
    await expect(items(out, 'Overlap')).rejects.toMatchObject({ code: 'ZIP_INVALID', message: expect.stringMatching(/^Overlap\/all\.zip: not a readable zip \(entries .* overlap at offset 0/) });
  });
});
