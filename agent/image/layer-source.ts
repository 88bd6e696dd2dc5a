/**
 * Where a layer's stored bytes come from: a byte range of a local file (an
 * archive member, a layout blob, a whole tar) or a stream opened on demand
 * (a registry blob, read straight from the response body). The layer reader
 * treats the two alike; only opening them differs.
 *
 * @example
 *   const source: LayerSource = { size: 1234, label: 'blob sha256:…', open: async () => Readable.fromWeb(body) };
 *   const head = await openLayerSource(source, 1 << 20, 'app: layer sha256:…'); // { head: first bytes, stream: all bytes }
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { StellaError } from '../../core/errors.js';
import type { ByteRange } from './byte-range.js';

/** A blob read as a stream; `open` may be called again (a second pass, a re-check). */
export interface StreamedBlob {
  /** Declared size in bytes (the descriptor's); the stream must not yield more. */
  size: number;
  open(): Promise<Readable>;
}

/** A layer's stored bytes: a local byte range or a streamed blob. */
export type LayerSource = ByteRange | StreamedBlob;

/** The first bytes of a source (for sniffing its compression) and a stream of all of its bytes. */
export interface OpenedSource {
  head: Buffer;
  stream: Readable;
}

/** True for a local byte range. */
export function isByteRange(source: LayerSource): source is ByteRange {
  return 'file' in source;
}

/**
 * Opens `source`; at least `want` head bytes are returned when it has them
 * (`where` prefixes the error of a stream longer than declared).
 * A byte range is peeked with one small read; a stream is peeked by holding
 * its first chunks back and replaying them, so nothing is fetched twice.
 */
export async function openLayerSource(source: LayerSource, readChunk: number, where: string, want = 4): Promise<OpenedSource> {
  if (isByteRange(source)) {
    const head = Buffer.alloc(Math.min(want, source.size));
    if (head.length > 0) {
      const handle = await open(source.file, 'r');
      try {
        await handle.read(head, 0, head.length, source.start);
      } finally {
        await handle.close();
      }
    }
    const stream = source.size === 0 ? Readable.from([]) : createReadStream(source.file, { start: source.start, end: source.start + source.size - 1, highWaterMark: readChunk });
    return { head, stream };
  }
  const stream = await source.open();
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const held: Buffer[] = [];
  let heldBytes = 0;
  let ended = false;
  while (heldBytes < want) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    held.push(next.value);
    heldBytes += next.value.length;
  }
  const head = Buffer.concat(held).subarray(0, want);
  let seen = heldBytes;
  const declared = source.size;
  const tooLong = (): StellaError => new StellaError('DIGEST_MISMATCH', `${where}: the blob is longer than the ${declared} bytes its descriptor declares`);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (seen > declared) throw tooLong();
      yield* held;
      if (ended) return;
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
        seen += next.value.length;
        // A stream cannot run on without end: past its declared size it is not the blob described.
        if (seen > declared) throw tooLong();
        yield next.value;
      }
    } finally {
      // A read ended early (an error, a finished second pass) releases the underlying stream (a connection).
      await iterator.return?.();
    }
  }
  return { head, stream: Readable.from(replay(), { objectMode: false, highWaterMark: readChunk }) };
}
