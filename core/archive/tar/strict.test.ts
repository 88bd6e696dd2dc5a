/**
 * Strict mode and random-access skipping of the one tar parser, fed in
 * chunks of every awkward size (the kit tests cover each refusal through
 * the kit reader; these pin the parser's own contract).
 */
import { pack as tarPack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import type { TarEntry } from './entry.js';
import { TarParser } from './parser.js';

async function tarOf(files: Array<{ name: string; body: string }>): Promise<Uint8Array> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const file of files) pack.entry({ name: file.name }, file.body);
  pack.finalize();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

function parse(bytes: Uint8Array, chunk: number, strict: boolean): Array<[string, string]> {
  const seen: Array<[string, string]> = [];
  const parser = new TarParser(
    { entry: () => true, contents: (entry: TarEntry, data) => seen.push([entry.name ?? '', new TextDecoder().decode(data)]) },
    { where: 't.tar', maxHeaderBytes: 65536, maxPathBytes: 1024, strict },
  );
  for (let at = 0; at < bytes.length; at += chunk) parser.write(bytes.subarray(at, at + chunk));
  parser.end();
  return seen;
}

describe('tar parser modes', () => {
  it('strict and lax read a clean archive alike, whatever the chunking', async () => {
    const tar = await tarOf([{ name: 'a.txt', body: 'x'.repeat(700) }, { name: `été/${'d'.repeat(120)}.txt`, body: 'é' }]);
    const expected: Array<[string, string]> = [['a.txt', 'x'.repeat(700)], [`été/${'d'.repeat(120)}.txt`, 'é']];
    for (const chunk of [1, 7, 512, 513, 100_000]) {
      expect(parse(tar, chunk, true)).toEqual(expected);
      expect(parse(tar, chunk, false)).toEqual(expected);
    }
  });

  it('strict refuses what lax reads: a missing end marker, trailing data', async () => {
    const tar = await tarOf([{ name: 'a.txt', body: 'abc' }]);
    const cut = tar.subarray(0, 1024);
    expect(parse(cut, 512, false)).toEqual([['a.txt', 'abc']]);
    expect(() => parse(cut, 512, true)).toThrow(/t\.tar: is truncated: it ends without the end-of-archive marker/);
    const trailing = new Uint8Array(tar.length + 3);
    trailing.set(tar);
    trailing.set([1, 2, 3], tar.length);
    expect(parse(trailing, 512, false)).toEqual([['a.txt', 'abc']]);
    expect(() => parse(trailing, 512, true)).toThrow(/data after the end-of-archive marker/);
  });

  it('skips unwanted bodies without their bytes, and reports a body cut short', async () => {
    const tar = await tarOf([{ name: 'big', body: 'b'.repeat(10_000) }, { name: 'small', body: 's' }]);
    const names: string[] = [];
    const parser = new TarParser({ entry: (e) => (names.push(e.name ?? ''), false), contents: () => undefined }, { where: 't.tar', maxHeaderBytes: 65536, maxPathBytes: 1024 });
    parser.write(tar.subarray(0, 512));
    expect(parser.skippable).toBe(10_000);
    parser.skip(10_000);
    parser.write(tar.subarray(512 + 10_000));
    parser.end();
    expect(names).toEqual(['big', 'small']);
    const cut = new TarParser({ entry: () => false, contents: () => undefined }, { where: 't.tar', maxHeaderBytes: 65536, maxPathBytes: 1024 });
    cut.write(tar.subarray(0, 512));
    cut.skip(100);
    expect(() => cut.end()).toThrow(/unexpected end of archive inside big .*9900 bytes of data missing/);
  });
});
