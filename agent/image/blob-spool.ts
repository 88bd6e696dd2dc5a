/**
 * A streamed blob copied to a temporary file as it is read, so a second
 * pass over the layer (resolving hardlinks to required files) reads the
 * copy instead of downloading the blob again. The copy is deleted when the
 * layer is done; a first read that did not finish leaves no usable copy,
 * and the second pass then streams the blob again.
 *
 * @example
 *   const spool = new BlobSpool(blob);
 *   try { await readLayer(spool.source, scan, …); await readLayer(await spool.again(), targets, …); } finally { await spool.dispose(); }
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { once } from 'node:events';
import type { LayerSource, StreamedBlob } from './layer-source.js';

/** See the module comment. */
export class BlobSpool {
  readonly source: StreamedBlob;
  private readonly path = join(tmpdir(), `stella-blob-${process.pid}-${randomBytes(6).toString('hex')}`);
  private complete = false;
  private written = 0;

  constructor(private readonly blob: StreamedBlob) {
    this.source = { size: blob.size, open: () => this.openTee() };
  }

  /** The source for another pass: the local copy when the first read finished, else the blob again. */
  async again(): Promise<LayerSource> {
    return this.complete ? { file: this.path, start: 0, size: this.written } : this.blob;
  }

  async dispose(): Promise<void> {
    await rm(this.path, { force: true });
  }

  private async openTee(): Promise<Readable> {
    const stream = await this.blob.open();
    const file = createWriteStream(this.path);
    this.complete = false;
    this.written = 0;
    const copy = async function* (spool: BlobSpool): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          spool.written += chunk.length;
          if (!file.write(chunk)) await once(file, 'drain');
          yield chunk;
        }
        file.end();
        await finished(file);
        spool.complete = true;
      } finally {
        if (!file.writableEnded) file.destroy();
      }
    };
    return Readable.from(copy(this));
  }
}
