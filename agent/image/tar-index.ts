/**
 * Indexes the members of an outer tar (a `docker save` or OCI archive)
 * without reading their data: the project's tar parser walks the headers,
 * and every body it does not need is skipped by seeking instead of read.
 * Layers are later streamed straight from their byte ranges.
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
import { BLOCK } from '../../core/archive/tar/header.js';
import { TarParser } from '../../core/archive/tar/parser.js';
import type { TarEntry } from '../../core/archive/tar/entry.js';
import { normalisePath } from './entry-path.js';
import type { Limits } from './limits.js';

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
 * for a bad header or a member that runs past the end of the file, and
 * LIMIT_EXCEEDED for a long header over `limits.maxHeaderBytes`.
 */
export async function indexTar(file: string, where: string, limits: Limits): Promise<ArchiveIndex> {
  const members = new Map<string, ArchiveMember>();
  let overflow = false;
  const add = (entry: TarEntry): boolean => {
    if ((entry.type !== 'file' && entry.type !== 'other') || entry.sparse || entry.name === undefined) return false;
    const name = normalisePath(entry.name);
    if (name === undefined || name === '') return false;
    // The names that decide the archive's kind are always kept, even past the cap.
    if (members.size < limits.maxArchiveMembers || MARKERS.has(name)) members.set(name, { name, start: entry.offset + BLOCK, size: entry.size });
    else overflow = true;
    return false; // bodies are never read here
  };
  const parser = new TarParser(
    { entry: add, contents: () => undefined },
    { where, maxHeaderBytes: limits.maxHeaderBytes, maxPathBytes: limits.maxPathBytes, oversizedHeader: 'error' },
  );
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    let at = 0;
    while (at < size && !parser.finished) {
      // A fresh buffer per read: the parser may keep views of a long header across reads.
      const buffer = Buffer.allocUnsafe(Math.min(WINDOW, size - at));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) break;
      parser.write(buffer.subarray(0, bytesRead));
      at += bytesRead;
      // The rest of a body nobody wants is passed over by seeking (at most to the end of the file; `end` then says it is cut short).
      const skip = Math.min(parser.skippable, size - at);
      parser.skip(skip);
      at += skip;
    }
  } finally {
    await handle.close();
  }
  parser.end();
  return { file, members, count: parser.entries, overflow };
}
