/**
 * The zip reader on archives written by fflate (an independent writer) and
 * patched byte by byte into each hostile shape: encrypted and LZMA entries
 * are skipped while the rest is read; overlapping entries and local headers
 * that name another file are refused; sizes that lie are caught.
 */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { centralRecord, overlapBomb } from './forge.test-helper.js';
import { readZipDirectory, type ZipEntry } from './directory.js';
import { readZipEntry, unreadable } from './entry.js';
import { bytesSource } from './source.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array | string): string => (typeof bytes === 'string' ? `problem: ${bytes}` : new TextDecoder().decode(bytes));


async function entries(bytes: Uint8Array): Promise<ZipEntry[]> {
  const directory = await readZipDirectory(bytesSource(bytes));
  if (typeof directory === 'string') throw new TypeError(directory);
  return directory;
}

async function readAll(bytes: Uint8Array): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await entries(bytes)) out[entry.name] = decode(await readZipEntry(bytesSource(bytes), entry, { where: 't.zip' }));
  return out;
}

describe('zip reader', () => {
  it('reads stored and deflated entries, and data prepended to the archive', async () => {
    const zip = zipSync({ 'a.json': encode('{"a":1}'), 'b.txt': [encode('b'.repeat(5000)), { level: 0 }] });
    expect(await readAll(zip)).toEqual({ 'a.json': '{"a":1}', 'b.txt': 'b'.repeat(5000) });
    const prefixed = new Uint8Array(100 + zip.byteLength);
    prefixed.set(encode('#!/bin/sh\nexec java -jar "$0"\n'));
    prefixed.set(zip, 100);
    expect(await readAll(prefixed)).toEqual({ 'a.json': '{"a":1}', 'b.txt': 'b'.repeat(5000) });
  });

  it('skips an encrypted or LZMA entry with a reason and reads the rest', async () => {
    const zip = zipSync({ 'secret.json': encode('{}'), 'lzma.json': encode('{}'), 'ok.json': encode('{"ok":true}') });
    const view = new DataView(zip.buffer);
    view.setUint16(centralRecord(zip, 'secret.json') + 8, 1, true);
    view.setUint16(centralRecord(zip, 'lzma.json') + 10, 14, true);
    const list = await entries(zip);
    expect(list.map((e) => unreadable(e))).toEqual(['encrypted', 'compression method 14 is not supported', undefined]);
    expect(await readAll(zip)).toEqual({ 'secret.json': 'problem: encrypted', 'lzma.json': 'problem: compression method 14 is not supported', 'ok.json': '{"ok":true}' });
  });

  it('refuses a central directory that points many names at one local entry (overlap bomb)', async () => {
    // names differ from the local header's
    const out = overlapBomb(zipSync({ 'a.json': encode('{}') }), 'a.json', 1000, 0);
    expect(await readZipDirectory(bytesSource(out))).toMatch(/^entries '.*' and '.*' overlap at offset 0 .*refused$/);
  });

  it('refuses an entry whose local header names another file', async () => {
    const zip = zipSync({ 'good.json': encode('{}') });
    zip[30] = 0x62; // local name 'bood.json'
    const [entry] = await entries(zip);
    if (entry === undefined) throw new TypeError('no entry');
    await expect(readZipEntry(bytesSource(zip), entry, { where: 't.zip' })).rejects.toMatchObject({ code: 'ZIP_INVALID', message: "t.zip: entry 'good.json' is named 'bood.json' in its local header (a forged archive); refused" });
  });

  it('stops an entry that inflates past its declared size, and one whose data is damaged', async () => {
    const zip = zipSync({ 'bomb.json': new Uint8Array(8 << 20), 'ok.json': encode('{}') });
    new DataView(zip.buffer).setUint32(centralRecord(zip, 'bomb.json') + 24, 1024, true);
    const result = await readAll(zip);
    expect(result['bomb.json']).toBe('problem: inflates to more than the 1024 bytes its header declares');
    expect(result['ok.json']).toBe('{}');
    const crc = zipSync({ 'a.json': encode('{"a":1}') });
    new DataView(crc.buffer).setUint32(centralRecord(crc, 'a.json') + 16, 0, true);
    expect((await readAll(crc))['a.json']).toBe('problem: CRC-32 mismatch (damaged data)');
  });

  it('charges every entry to the budget and refuses one that does not fit', async () => {
    const zip = zipSync({ 'a.bin': new Uint8Array(600), 'b.bin': new Uint8Array(600) });
    const budget = { remaining: 1000 };
    const [a, b] = await entries(zip);
    if (a === undefined || b === undefined) throw new TypeError('entries missing');
    expect(await readZipEntry(bytesSource(zip), a, { where: 't.zip', budget })).toHaveLength(600);
    expect(await readZipEntry(bytesSource(zip), b, { where: 't.zip', budget })).toBe('reading 600 bytes would exceed the extraction budget');
  });

  it('says why a file is not a zip, and survives every truncation', async () => {
    expect(await readZipDirectory(bytesSource(encode('PK but not really')))).toBe('no end-of-central-directory record (not a ZIP archive)');
    const zip = zipSync({ 'a.json': encode('{"a":1}'), 'b.json': encode('{"b":2}') });
    for (let length = 0; length < zip.byteLength; length++) {
      const cut = zip.subarray(0, length);
      const directory = await readZipDirectory(bytesSource(cut));
      if (typeof directory === 'string') continue;
      for (const entry of directory) await readZipEntry(bytesSource(cut), entry, { where: 't.zip' });
    }
  });
});
