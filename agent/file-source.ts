/**
 * A file as a random-access byte source (core/archive/zip/source.ts) for
 * the zip reader. Reads go through a 4 MiB window, so the many small
 * neighbouring reads of a zip with thousands of small entries (an OSV bulk
 * export) share one system call. Each refill takes a fresh buffer, so bytes
 * handed out are never overwritten.
 *
 * @example
 *   const source = await FileSource.open('npm/all.zip');
 *   try { await readZipDirectory(source); } finally { await source.close(); }
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSource } from '../core/archive/zip/source.js';

const WINDOW = 4 * 1024 * 1024;

/** A read-only file, read through a window (see the module comment). */
export class FileSource implements ByteSource {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;

  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /** Opens `path` for reading. */
  static async open(path: string): Promise<FileSource> {
    const handle = await open(path, 'r');
    try {
      return new FileSource(handle, (await handle.stat()).size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Closes the file; reads fail afterwards. */
  close(): Promise<void> {
    return this.handle.close();
  }

  /** `length` bytes at `offset` (fewer at the end of the file), from the window when it covers them. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const start = Math.max(0, Math.min(offset, this.size));
    const end = Math.min(this.size, start + Math.max(0, length));
    if (start < this.windowStart || end > this.windowStart + this.window.byteLength) {
      const buffer = Buffer.allocUnsafe(Math.min(Math.max(WINDOW, end - start), this.size - start));
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, start);
      this.window = buffer.subarray(0, bytesRead);
      this.windowStart = start;
    }
    return this.window.subarray(start - this.windowStart, Math.min(end, this.windowStart + this.window.byteLength) - this.windowStart);
  }
}
