/**
 * The parser's streaming body mode: a visitor that returns a sink gets the
 * body's parts uncopied, in order, until it says it has had enough; the rest
 * of that body is then skippable like an unwanted one.
 */
import { pack as tarPack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import type { TarEntry } from './entry.js';
import { TarParser } from './parser.js';
import type { TarBodySink, TarVisitor } from './parser.js';

const options = { where: 'test.tar', maxHeaderBytes: 4 << 20, maxPathBytes: 4096 };

async function packTar(entries: Array<{ name: string; body: Buffer }>): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const { name, body } of entries) pack.entry({ name }, body);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A sink that records what it is given and wants at most `limit` bytes. */
class Recorder implements TarBodySink {
  readonly parts: Buffer[] = [];
  ends = 0;
  fed = 0;
  constructor(private readonly limit = Infinity) {}
  write(part: Uint8Array): boolean {
    this.parts.push(Buffer.from(part));
    this.fed += part.byteLength;
    return this.fed < this.limit;
  }
  end(): void {
    this.ends++;
  }
}

const body = (size: number, seed: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff));

describe('TarParser: bodies as streams', () => {
  it('hands every part in order, whatever the chunking, and ends the sink once per body', async () => {
    const bodies = [body(70_000, 1), body(0, 2), body(513, 3)];
    const bytes = await packTar(bodies.map((b, i) => ({ name: `f${i}`, body: b })));
    for (const chunk of [1, 7, 512, 65_536, bytes.length]) {
      const sinks: Recorder[] = [];
      const parser = new TarParser({ entry: () => { const sink = new Recorder(); sinks.push(sink); return sink; }, contents: () => expect.fail('no whole body was asked for') }, options);
      for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
      parser.end();
      expect(sinks.map((s) => Buffer.concat(s.parts))).toEqual(bodies);
      expect(sinks.map((s) => s.ends)).toEqual([1, 1, 1]);
    }
  });

  it('passes views of the chunk, not copies', async () => {
    const bytes = await packTar([{ name: 'f', body: body(4096, 5) }]);
    const seen: Uint8Array[] = [];
    const parser = new TarParser({ entry: () => ({ write: (part) => seen.push(part) > 0, end: () => undefined }), contents: () => undefined }, options);
    parser.write(bytes);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.buffer).toBe(bytes.buffer);
  });

  it('a sink that has had enough is ended at once, and the rest of its body is skippable and skipped unread', async () => {
    const bytes = await packTar([{ name: 'big', body: body(100_000, 7) }, { name: 'after', body: Buffer.from('tail') }]);
    const sink = new Recorder(1000);
    const names: string[] = [];
    let after = '';
    const visitor: TarVisitor = {
      entry: (e: TarEntry) => (names.push(e.name ?? ''), e.name === 'big' ? sink : true),
      contents: (_e, data) => void (after = Buffer.from(data).toString()),
    };
    const parser = new TarParser(visitor, options);
    // Header and the first 4 KiB of the body; then the parser says how much may be skipped without reading.
    parser.write(bytes.subarray(0, 512 + 4096));
    expect(sink.ends).toBe(1);
    expect(sink.fed).toBe(4096); // the whole part was offered; the sink took what it wanted of it
    expect(parser.skippable).toBe(100_000 - 4096);
    const at = 512 + 4096 + parser.skippable;
    parser.skip(parser.skippable);
    parser.write(bytes.subarray(at));
    parser.end();
    expect(names).toEqual(['big', 'after']);
    expect(after).toBe('tail');
    expect(sink.parts).toHaveLength(1);
  });

  it('a sink still reading is not skippable', async () => {
    const bytes = await packTar([{ name: 'f', body: body(10_000, 9) }]);
    const sink = new Recorder();
    const parser = new TarParser({ entry: () => sink, contents: () => undefined }, options);
    parser.write(bytes.subarray(0, 512 + 100));
    expect(parser.skippable).toBe(0);
    expect(() => parser.skip(1)).toThrow(/cannot skip/);
  });

  it('an archive cut inside a streamed body is corrupt, and the sink is not ended', async () => {
    const bytes = await packTar([{ name: 'f', body: body(10_000, 11) }]);
    const sink = new Recorder();
    const parser = new TarParser({ entry: () => sink, contents: () => undefined }, options);
    parser.write(bytes.subarray(0, 512 + 5000));
    expect(() => parser.end()).toThrow(/unexpected end of archive inside f/);
    expect(sink.ends).toBe(0);
  });
});
