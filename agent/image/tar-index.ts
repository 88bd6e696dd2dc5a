/**
 * Indexes the members of an outer tar (a `docker save` or OCI archive)
 * without reading their data: one pass over the headers, each body skipped
 * by seeking. Layers are later streamed straight from their byte ranges.
 *
 * Reads go through a 64 KiB window, so a tar of many small files is read
 * sequentially in large blocks, and a tar of a few huge layers costs one
 * read per header.
 *
 * @example
 *   const index = await indexTar('/images/app.tar', 'app.tar', limits);
 *   index.members.get('manifest.json'); // { name, start, size }
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { StellaError } from '../../core/errors.js';
import { normalisePath } from './entry-path.js';
import type { Limits } from './limits.js';
import { LongHeaders } from './tar-entry.js';
import { BLOCK, decodeHeader, isZeroBlock, padding } from './tar-header.js';
import { printable } from './warnings.js';

/** A regular-file member: its data is bytes `start` to `start + size` of the file. */
export interface ArchiveMember {
  name: string;
  start: number;
  size: number;
}

/** The members of an outer archive, by name. */
export interface ArchiveIndex {
  file: string;
  /** Regular files by normalised name (a later member of the same name wins, as on extraction). */
  members: Map<string, ArchiveMember>;
  /** Members of any type seen. */
  count: number;
  /** More members than `maxArchiveMembers`: the map is incomplete. */
  overflow: boolean;
}

const WINDOW = 1 << 16;
const MARKERS = new Set(['manifest.json', 'index.json', 'oci-layout']);

/**
 * Indexes the tar at `file`; `where` prefixes errors. Throws TAR_CORRUPT
 * for a bad header or a member that runs past the end of the file.
 */
export async function indexTar(file: string, where: string, limits: Limits): Promise<ArchiveIndex> {
  const handle = await open(file, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const reader = new WindowReader(handle, fileSize);
    const members = new Map<string, ArchiveMember>();
    const long = new LongHeaders();
    let offset = 0;
    let count = 0;
    let overflow = false;
    for (;;) {
      const block = await reader.read(offset, BLOCK);
      if (block === undefined) {
        if (long.waiting) throw new StellaError('TAR_CORRUPT', `${where}: unexpected end of archive after a long header at offset ${offset}`);
        break; // end of file at a block boundary
      }
      if (block.length < BLOCK) throw new StellaError('TAR_CORRUPT', `${where}: unexpected end of archive inside a header at offset ${offset}`);
      const raw = decodeHeader(block, offset, where);
      if (raw === undefined) {
        const next = await reader.read(offset + BLOCK, BLOCK);
        if (next !== undefined && next.length === BLOCK && !isZeroBlock(next)) {
          throw new StellaError('TAR_CORRUPT', `${where}: data after a zero block at offset ${offset}`);
        }
        break;
      }
      const headerOffset = offset;
      offset += BLOCK;
      if (raw.type === 'pax' || raw.type === 'pax-global' || raw.type === 'gnu-long-name' || raw.type === 'gnu-long-link') {
        if (raw.size > limits.maxHeaderBytes) {
          throw new StellaError('LIMIT_EXCEEDED', `${where}: ${raw.type} header of ${raw.size} bytes at offset ${headerOffset} exceeds the limit of ${limits.maxHeaderBytes}`);
        }
        const body = await reader.read(offset, raw.size);
        if ((body?.length ?? 0) < raw.size) throw new StellaError('TAR_CORRUPT', `${where}: unexpected end of archive inside the header at offset ${headerOffset}`);
        long.apply(raw.type, Buffer.from(body ?? EMPTY), headerOffset, where);
        offset += raw.size + padding(raw.size);
        continue;
      }
      if (raw.sparseExtended) offset = await skipSparseExtensions(reader, offset, where);
      const entry = long.finish(raw, count, headerOffset, limits.maxPathBytes);
      count++;
      const end = offset + entry.size;
      if (end > fileSize) {
        throw new StellaError('TAR_CORRUPT', `${where}: unexpected end of archive inside ${entry.name === undefined ? 'a member' : printable(entry.name)} at offset ${headerOffset} (declares ${entry.size} bytes, ${fileSize - offset} present)`);
      }
      if ((entry.type === 'file' || entry.type === 'other') && !entry.sparse && entry.name !== undefined) {
        const name = normalisePath(entry.name);
        if (name !== undefined && name !== '') {
          // The names that decide the archive's kind are always kept, even past the cap.
          if (members.size < limits.maxArchiveMembers || MARKERS.has(name)) members.set(name, { name, start: offset, size: entry.size });
          else overflow = true;
        }
      }
      offset = end + padding(entry.size);
    }
    return { file, members, count, overflow };
  } finally {
    await handle.close();
  }
}

async function skipSparseExtensions(reader: WindowReader, offset: number, where: string): Promise<number> {
  for (;;) {
    const block = await reader.read(offset, BLOCK);
    if (block === undefined || block.length < BLOCK) throw new StellaError('TAR_CORRUPT', `${where}: unexpected end of archive inside a sparse header at offset ${offset}`);
    offset += BLOCK;
    if (block[504] === 0) return offset;
  }
}

const EMPTY = Buffer.alloc(0);

/** Positional reads through a window, so neighbouring small reads share one system call. */
class WindowReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  /** Bytes at `offset` (fewer at end of file; undefined at or past it). The result is only valid until the next read. */
  async read(offset: number, length: number): Promise<Buffer | undefined> {
    if (offset >= this.size) return undefined;
    const want = Math.min(length, this.size - offset);
    const windowEnd = this.windowStart + this.window.length;
    if (offset >= this.windowStart && offset + want <= windowEnd) {
      return this.window.subarray(offset - this.windowStart, offset - this.windowStart + want);
    }
    const buffer = Buffer.allocUnsafe(Math.max(want, Math.min(WINDOW, this.size - offset)));
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, offset);
    this.window = buffer.subarray(0, bytesRead);
    this.windowStart = offset;
    return this.window.subarray(0, Math.min(want, bytesRead));
  }
}
