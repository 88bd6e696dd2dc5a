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
import { readSource, resolveSources, type SourceItem } from './sources.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-zip-entries-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const record = (id: string): Uint8Array => encode(JSON.stringify({ id, modified: '2024-01-01T00:00:00Z', affected: [] }));

function centralRecord(bytes: Uint8Array, name: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const target = encode(name);
  for (let at = 0; at + 46 < bytes.byteLength; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const length = view.getUint16(at + 28, true);
    if (length === target.byteLength && bytes.subarray(at + 46, at + 46 + length).every((b, i) => b === target[i])) return at;
  }
  throw new TypeError(`no central record for ${name}`);
}

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
    const one = zipSync({ 'B-1.json': record('B-1') });
    const at = centralRecord(one, 'B-1.json');
    const eocd = one.byteLength - 22;
    const length = eocd - at;
    const copies = 100;
    const out = new Uint8Array(at + copies * length + 22);
    out.set(one.subarray(0, at));
    for (let i = 0; i < copies; i++) {
      out.set(one.subarray(at, eocd), at + i * length);
      out.set(encode(String(i % 10)), at + i * length + 46 + 2); // 'B-<digit>.json': names that differ from the local header
    }
    out.set(one.subarray(eocd), at + copies * length);
    const view = new DataView(out.buffer);
    view.setUint16(out.byteLength - 22 + 8, copies, true);
    view.setUint16(out.byteLength - 22 + 10, copies, true);
    view.setUint32(out.byteLength - 22 + 12, copies * length, true);
    await expect(items(out, 'Overlap')).rejects.toMatchObject({ code: 'ZIP_INVALID', message: expect.stringMatching(/^Overlap\/all\.zip: not a readable zip \(entries .* overlap at offset 0/) });
  });
});
