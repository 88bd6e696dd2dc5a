/**
 * Reads kit tars. A kit crosses an air gap on removable media and is read
 * by the site that trusts it least, so anything that is not plainly "these
 * regular files at these relative paths" is refused before its contents are
 * looked at. The project's tar parser in strict mode refuses everything
 * structural (see core/archive/tar/strict.ts): non-ustar headers, bad
 * checksums, links, devices, FIFOs, GNU long names, global pax headers,
 * sparse files, pax keys other than the path, non-zero padding, a missing
 * end-of-archive marker and anything but zeros after it. This file adds
 * what makes a kit a kit:
 *
 * - every path relative, without `..`, `.`, empty or `.git` segments,
 *   backslashes or control characters, and unique (also when case is
 *   ignored, so a case-insensitive checkout cannot merge two);
 * - no path that is both a file and a folder;
 * - bounded: entries, path length, bytes per file and in total.
 *
 * Modes, owners and times are not meaningful in a kit and are not
 * returned. The file is streamed; the visitor decides which bytes to keep.
 *
 * @example
 *   const listing = await readTarStrict('kit.tar', DEFAULT_TAR_LIMITS, (file) => {
 *     digests.set(file.path, sha256(file.bytes));
 *   });
 */
import { open, stat } from 'node:fs/promises';
import { TarParser, type TarVisitor } from '../../core/archive/tar/parser.js';
import type { TarEntry } from '../../core/archive/tar/entry.js';
import { StellaError } from '../../core/errors.js';
import { pathProblem } from './layout.js';

export interface TarLimits {
  /** Regular files and directories (pax headers not counted). */
  maxEntries: number;
  /** UTF-8 bytes of one path. */
  maxPathBytes: number;
  maxFileBytes: number;
  /** Sum of all file sizes. */
  maxTotalBytes: number;
}

export const DEFAULT_TAR_LIMITS: Readonly<TarLimits> = Object.freeze({
  maxEntries: 200_000,
  maxPathBytes: 1024,
  maxFileBytes: 256 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
});

/** One regular file, handed to the visitor with all its bytes. */
export interface TarFile {
  path: string;
  bytes: Buffer;
}

export interface TarListing {
  /** Regular file paths, in archive order. */
  files: string[];
  /** Directory paths (without the trailing slash), in archive order. */
  directories: string[];
}

/** A pax header only ever needs to hold one path and a few times. */
const MAX_PAX_BYTES = 64 * 1024;
const READ_CHUNK = 1 << 20;

/**
 * Reads `file` as a kit tar under `limits`, calling `visit` for each regular
 * file in archive order. Throws StellaError TAR_CORRUPT (structure),
 * PATH_UNSAFE (paths, links, devices) or LIMIT_EXCEEDED, naming the file,
 * the entry and the offset.
 */
export async function readTarStrict(file: string, limits: TarLimits, visit: (entry: TarFile) => void | Promise<void>): Promise<TarListing> {
  const cannotOpen = (cause: unknown): never => {
    throw new StellaError('NOT_FOUND', `${file}: cannot open the kit (${(cause as Error).message})`, { cause });
  };
  // Checked before opening too: opening a FIFO for reading would wait for a writer.
  if (!(await stat(file).catch(cannotOpen)).isFile()) throw new StellaError('USAGE', `${file}: not a regular file`);
  const handle = await open(file, 'r').catch(cannotOpen);
  const policy = new KitPolicy(file, limits);
  const parser = new TarParser(policy, { where: file, maxHeaderBytes: MAX_PAX_BYTES, maxPathBytes: limits.maxPathBytes, strict: true });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new StellaError('USAGE', `${file}: not a regular file`);
    for (let at = 0; at < info.size; ) {
      // A fresh buffer per read: files handed to `visit` may be views of it.
      const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, info.size - at));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) break;
      parser.write(buffer.subarray(0, bytesRead));
      at += bytesRead;
      for (const entry of policy.take()) await visit(entry);
    }
  } finally {
    await handle.close();
  }
  parser.end();
  policy.checkFileFolderClashes();
  return policy.listing;
}

/** The kit's rules on the entries the strict parser lets through; files read are queued for the visitor. */
class KitPolicy implements TarVisitor {
  readonly listing: TarListing = { files: [], directories: [] };
  private total = 0;
  private readonly seen = new Map<string, string>(); // case-folded path → path as written
  private queue: TarFile[] = [];
  private path = '';

  constructor(
    private readonly file: string,
    private readonly limits: TarLimits,
  ) {}

  entry(entry: TarEntry): boolean {
    const isDirectory = entry.type === 'directory';
    const raw = entry.name ?? '';
    const path = isDirectory && raw.endsWith('/') ? raw.slice(0, -1) : raw;
    this.checkPath(path, entry.offset);
    if (this.listing.files.length + this.listing.directories.length >= this.limits.maxEntries) {
      this.fail('LIMIT_EXCEEDED', `has more than ${this.limits.maxEntries} entries`);
    }
    if (isDirectory) {
      this.listing.directories.push(path);
      return false;
    }
    if (entry.size > this.limits.maxFileBytes) {
      this.fail('LIMIT_EXCEEDED', `'${path}' is ${entry.size} bytes, over the limit of ${this.limits.maxFileBytes} per file`);
    }
    this.total += entry.size;
    if (this.total > this.limits.maxTotalBytes) this.fail('LIMIT_EXCEEDED', `holds more than ${this.limits.maxTotalBytes} bytes in total`);
    this.path = path;
    return true;
  }

  contents(_entry: TarEntry, data: Uint8Array): void {
    this.listing.files.push(this.path);
    this.queue.push({ path: this.path, bytes: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
  }

  /** The files read since the last call, in archive order. */
  take(): TarFile[] {
    const files = this.queue;
    this.queue = [];
    return files;
  }

  /** A file whose path is also a folder (explicit, or above another file) cannot be checked out. */
  checkFileFolderClashes(): void {
    const files = new Set(this.listing.files.map((p) => p.toLowerCase()));
    for (const path of [...this.listing.files, ...this.listing.directories]) {
      const parts = path.toLowerCase().split('/');
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join('/');
        if (files.has(parent)) this.fail('PATH_UNSAFE', `holds '${path}' below '${parent}', which is a file`);
      }
    }
  }

  private checkPath(path: string, offset: number): void {
    const problem = pathProblem(path);
    if (problem !== undefined) this.fail('PATH_UNSAFE', `entry '${printable(path)}' at offset ${offset} ${problem}`);
    const folded = path.toLowerCase();
    const earlier = this.seen.get(folded);
    if (earlier !== undefined) {
      this.fail('PATH_UNSAFE', earlier === path ? `holds '${path}' twice` : `holds '${earlier}' and '${path}', which differ only in case`);
    }
    this.seen.set(folded, path);
  }

  private fail(code: 'PATH_UNSAFE' | 'LIMIT_EXCEEDED', problem: string): never {
    throw new StellaError(code, `${this.file}: ${problem}`, { data: { file: this.file } });
  }
}

/** A name for an error message: control characters escaped, length capped. */
function printable(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}
