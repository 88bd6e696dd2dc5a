import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { pack as tarPack, extract as tarExtract } from 'tar-stream';
import type { Header } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { isStellaError } from '../../errors.js';
import { imagesDir } from '../../../test/helpers/paths.js';
import type { TarEntry } from './entry.js';
import { decodeHeader, parseNumber } from './header.js';
import { TarParser } from './parser.js';
import type { TarVisitor } from './parser.js';

const options = { where: 'test.tar', maxHeaderBytes: 4 << 20, maxPathBytes: 4096 };

interface Seen {
  name: string | undefined;
  type: string;
  size: number;
  linkname: string | undefined;
  data?: string;
  problem?: string;
}

/** A visitor that records every entry and captures every body. */
function recorder(): { visitor: TarVisitor; seen: Seen[] } {
  const seen: Seen[] = [];
  const visitor: TarVisitor = {
    entry: (e: TarEntry) => {
      seen.push({ name: e.name, type: e.type, size: e.size, linkname: e.linkname, ...(e.problem === undefined ? {} : { problem: e.problem }) });
      return true;
    },
    contents: (_e, data) => {
      const last = seen[seen.length - 1];
      if (last !== undefined) last.data = Buffer.from(data).toString('latin1');
    },
  };
  return { visitor, seen };
}

async function packTar(entries: Array<{ header: Partial<Header> & { name: string }; body?: string | Buffer }>): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const { header, body } of entries) {
    if (body === undefined) pack.entry(header);
    else pack.entry(header, body);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function parseAll(bytes: Buffer, chunk: number): Seen[] {
  const { visitor, seen } = recorder();
  const parser = new TarParser(visitor, options);
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  return seen;
}

function thrown(fn: () => void): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isStellaError(error)) return error;
    throw error;
  }
  return expect.fail('expected a StellaError');
}

/** A raw ustar header with a correct checksum (for fields tar-stream will not write). */
function rawHeader(name: string, fields: { size?: number; typeflag?: string; sizeField?: Buffer } = {}): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 'latin1');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  if (fields.sizeField !== undefined) fields.sizeField.copy(block, 124);
  else block.write(`${(fields.size ?? 0).toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write(fields.typeflag ?? '0', 156);
  block.write('ustar\u000000', 257, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

const pad = (data: Buffer): Buffer => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

describe('TarParser', () => {
  it('gives the same entries whatever the chunk boundaries (pax long names, long links, empty and large bodies)', async () => {
    const longName = `${'deep/'.repeat(60)}file.txt`;
    const bytes = await packTar([
      { header: { name: 'etc/', type: 'directory' } },
      { header: { name: 'etc/os-release' }, body: 'ID=debian\n' },
      { header: { name: longName }, body: 'long' },
      { header: { name: 'link', type: 'symlink', linkname: `${'x/'.repeat(80)}target` } },
      { header: { name: 'empty' }, body: '' },
      { header: { name: 'big' }, body: Buffer.alloc(70_000, 0x61) },
      { header: { name: 'ünïcödé' }, body: 'u' },
    ]);
    const reference = parseAll(bytes, bytes.length);
    expect(reference.map((e) => e.name)).toEqual(['etc/', 'etc/os-release', longName, 'link', 'empty', 'big', 'ünïcödé']);
    expect(reference[1]?.data).toBe('ID=debian\n');
    expect(reference[3]?.linkname).toBe(`${'x/'.repeat(80)}target`);
    expect(reference[5]?.data?.length).toBe(70_000);
    for (const chunk of [1, 7, 511, 512, 513, 4096]) expect(parseAll(bytes, chunk)).toEqual(reference);
  });

  it('matches tar-stream entry for entry on a real Debian layer', async () => {
    const blob = join(imagesDir, 'debian-node.oci', 'blobs', 'sha256', 'd3372ea605e89e60ab6673d1d6cc886e0f6e3d888f9ac003a3049c4d7b6c3a8a');
    const ours: string[] = [];
    const parser = new TarParser({ entry: (e) => (ours.push(`${e.type === 'file' ? 'file' : e.type} ${e.name ?? '?'} ${e.size} ${e.linkname ?? ''}`), false), contents: () => undefined }, options);
    await pipeline(createReadStream(blob), createGunzip(), new Writable({ write: (c: Buffer, _e, cb) => (parser.write(c), cb()), final: (cb) => (parser.end(), cb()) }));
    const theirs: string[] = [];
    const extract = tarExtract();
    extract.on('entry', (h, stream, next) => {
      const size = h.type === 'file' || h.type === 'contiguous-file' ? (h.size ?? 0) : 0;
      theirs.push(`${h.type === 'contiguous-file' ? 'file' : h.type} ${h.name} ${size} ${h.linkname ?? ''}`);
      stream.on('end', next);
      stream.resume();
    });
    await pipeline(createReadStream(blob), createGunzip(), extract);
    expect(ours.length).toBeGreaterThan(1000);
    expect(ours).toEqual(theirs);
  });

  it('rejects a header with a bad checksum, naming its offset', () => {
    const bytes = Buffer.concat([rawHeader('a', { size: 1 }), pad(Buffer.from('x')), rawHeader('b')]);
    bytes[1024 + 10] = 0x41; // corrupt the second header's name without fixing the checksum
    const error = thrown(() => parseAll(bytes, 100));
    expect(error.code).toBe('TAR_CORRUPT');
    expect(error.message).toBe('test.tar: tar header checksum mismatch at offset 1024');
  });

  it('rejects an archive cut inside an entry, without allocating the declared size', () => {
    const bytes = Buffer.concat([rawHeader('huge', { size: 4 * 2 ** 30 }), Buffer.alloc(4096, 0x41)]);
    const error = thrown(() => parseAll(bytes, 1000));
    expect(error.code).toBe('TAR_CORRUPT');
    expect(error.message).toMatch(/unexpected end of archive inside huge .*bytes of data missing/);
    expect(thrown(() => parseAll(rawHeader('x').subarray(0, 300), 512)).message).toMatch(/inside a header at offset 0/);
  });

  it('accepts an archive without end blocks, and rejects data after a single zero block', () => {
    const entry = Buffer.concat([rawHeader('a', { size: 1 }), pad(Buffer.from('x'))]);
    expect(parseAll(entry, 512).map((e) => e.name)).toEqual(['a']);
    const error = thrown(() => parseAll(Buffer.concat([entry, Buffer.alloc(512), rawHeader('hidden')]), 512));
    expect(error.message).toMatch(/data after a zero block at offset 1024/);
  });

  it('ignores data after the end-of-archive blocks', () => {
    const bytes = Buffer.concat([rawHeader('a'), Buffer.alloc(1024), Buffer.from('trailing junk')]);
    expect(parseAll(bytes, 512).map((e) => e.name)).toEqual(['a']);
  });

  it('skips the entry after a pax header over the size limit without buffering it', () => {
    const paxBody = Buffer.alloc(5 << 20, 0x61);
    const bytes = Buffer.concat([rawHeader('PaxHeaders/x', { size: paxBody.length, typeflag: 'x' }), paxBody, rawHeader('victim'), rawHeader('next')]);
    const seen = parseAll(bytes, 65536);
    expect(seen[0]?.name).toBeUndefined();
    expect(seen[0]?.problem).toMatch(/pax header of 5242880 bytes exceeds the limit/);
    expect(seen[1]?.name).toBe('next');
  });

  it('leaves names that are not UTF-8 or hold NUL undecoded, with the reason', async () => {
    const paxNul = Buffer.from('28 path=etc/passwd\u0000.hostile\n');
    expect(paxNul.length).toBe(28);
    const bytes = Buffer.concat([
      rawHeader('usr/\xc0\xaf\xc0\xae\xc0\xae\xc0\xafetc'),
      rawHeader('PaxHeaders/x', { size: paxNul.length, typeflag: 'x' }),
      pad(paxNul),
      rawHeader('placeholder'),
    ]);
    const seen = parseAll(bytes, 512);
    expect(seen[0]).toMatchObject({ name: undefined, problem: 'name is not valid UTF-8: usr/\\xc0\\xaf\\xc0\\xae\\xc0\\xae\\xc0\\xafetc' });
    expect(seen[1]).toMatchObject({ name: undefined, problem: 'name contains NUL: etc/passwd\\x00.hostile' });
  });

  it('reads GNU base-256 sizes and refuses negative ones', () => {
    const field = Buffer.alloc(12);
    field[0] = 0x80;
    field.writeUIntBE(5 * 2 ** 32, 6, 6);
    expect(parseNumber(field, 0, 12)).toBe(5 * 2 ** 32);
    field[0] = 0xff;
    expect(parseNumber(field, 0, 12)).toBeUndefined();
    const header = rawHeader('neg', { sizeField: field });
    expect(() => decodeHeader(header, 0, 'x.tar')).toThrow(/invalid size field/);
  });

  it('treats old-style "\\0" entries named with a trailing slash as directories, and links as bodiless', () => {
    const dir = rawHeader('olddir/', { typeflag: '\0' });
    const link = rawHeader('link', { typeflag: '2', size: 100 }); // a size on a symlink is ignored, as by Go's reader
    const seen = parseAll(Buffer.concat([dir, link, rawHeader('after')]), 512);
    expect(seen.map((e) => `${e.type}:${e.name}`)).toEqual(['directory:olddir/', 'symlink:link', 'file:after']);
  });
});
