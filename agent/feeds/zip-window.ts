/**
 * Fast, bounded reading of many small zip entries (an OSV bulk export holds
 * thousands of 1–10 KB records). yauzl parses and validates the central
 * directory; the entry data is then read here in offset order through a
 * 4 MiB window and inflated synchronously, with the size and CRC-32 the
 * directory declares checked — instead of a stream and several thread-pool
 * round trips per entry. Memory: the window plus one entry.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import { StellaError } from '../../core/errors.js';

const WINDOW = 4 * 1024 * 1024;
const LOCAL_HEADER = 30;
const LOCAL_SIGNATURE = 0x04034b50;

export interface ZipEntryRef {
  label: string;
  offset: number;
  compressedSize: number;
  uncompressedSize: number;
  compressionMethod: number;
  crc32: number;
}

export class ZipWindow {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  static async open(path: string): Promise<ZipWindow> {
    const handle = await open(path, 'r');
    return new ZipWindow(handle, (await handle.stat()).size);
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  /** The entry's bytes, inflated and checked; `maxBytes` bounds the output (zip bombs). */
  async read(entry: ZipEntryRef, maxBytes: number): Promise<Uint8Array> {
    const header = await this.range(entry.offset, LOCAL_HEADER, entry.label);
    if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw corrupt(entry, 'bad local header signature');
    const dataStart = entry.offset + LOCAL_HEADER + header.readUInt16LE(26) + header.readUInt16LE(28);
    const stored = await this.range(dataStart, entry.compressedSize, entry.label);
    let data: Buffer;
    switch (entry.compressionMethod) {
      case 0:
        data = stored;
        break;
      case 8:
        try {
          data = inflateRawSync(stored, { maxOutputLength: maxBytes + 1 });
        } catch (error) {
          const tooBig = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
          throw tooBig
            ? new StellaError('LIMIT_EXCEEDED', `${entry.label}: entry exceeds the ${maxBytes}-byte uncompressed size limit`)
            : corrupt(entry, (error as Error).message);
        }
        break;
      default:
        throw corrupt(entry, `unsupported compression method ${entry.compressionMethod}`);
    }
    if (data.length > maxBytes) throw new StellaError('LIMIT_EXCEEDED', `${entry.label}: entry exceeds the ${maxBytes}-byte uncompressed size limit`);
    if (data.length !== entry.uncompressedSize) throw corrupt(entry, `inflated to ${data.length} bytes, the directory says ${entry.uncompressedSize}`);
    if (crc32(data) !== entry.crc32) throw corrupt(entry, 'CRC-32 mismatch');
    return data;
  }

  /** `length` bytes at `start`, from the window when it covers them. */
  private async range(start: number, length: number, label: string): Promise<Buffer> {
    if (start < 0 || start + length > this.size) throw new StellaError('ZIP_INVALID', `${label}: entry data lies outside the file (truncated zip?)`);
    const end = start + length;
    if (start < this.windowStart || end > this.windowStart + this.window.length) {
      const size = Math.min(Math.max(WINDOW, length), this.size - start);
      const buffer = Buffer.allocUnsafe(size);
      const { bytesRead } = await this.handle.read(buffer, 0, size, start);
      this.window = buffer.subarray(0, bytesRead);
      this.windowStart = start;
      if (bytesRead < length) throw new StellaError('ZIP_INVALID', `${label}: unexpected end of file`);
    }
    return this.window.subarray(start - this.windowStart, end - this.windowStart);
  }
}

function corrupt(entry: ZipEntryRef, problem: string): StellaError {
  return new StellaError('ZIP_INVALID', `${entry.label}: corrupt entry (${problem})`);
}
