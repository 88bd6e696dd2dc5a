/**
 * A strict reader for kit tars. A kit crosses an air gap on removable media
 * and is read by the site that trusts it least, so anything that is not
 * plainly "these regular files at these relative paths" is refused before
 * its contents are looked at:
 *
 * - POSIX ustar headers only, each with a correct checksum; pax extended
 *   headers only for long or non-ASCII paths (plus harmless time and owner
 *   keys, which are ignored);
 * - regular files and directories only: no hard or symbolic links, devices,
 *   FIFOs, GNU long names, global pax headers or sparse files;
 * - every path relative, without `..`, `.`, empty or `.git` segments,
 *   backslashes or control characters, valid UTF-8, and unique (also when
 *   case is ignored, so a case-insensitive checkout cannot merge two);
 * - no path that is both a file and a folder;
 * - padding and the end-of-archive marker all zero, and nothing but zeros
 *   after it, so a truncated or appended-to file is refused rather than
 *   read as a shorter kit;
 * - bounded: entries, path length, bytes per file and in total.
 *
 * Modes, owners and times are not meaningful in a kit and are not
 * returned. Files are read one at a time from disk; the visitor decides
 * which bytes to keep.
 *
 * @example
 *   const listing = await readTarStrict('kit.tar', DEFAULT_TAR_LIMITS, (file) => {
 *     digests.set(file.path, sha256(file.bytes));
 *   });
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
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

const BLOCK = 512;
/** A pax header only ever needs to hold one path and a few times. */
const MAX_PAX_BYTES = 64 * 1024;
/** pax keys that describe nothing a kit uses, so are accepted and ignored. */
const IGNORED_PAX_KEYS = new Set(['atime', 'ctime', 'mtime', 'uid', 'gid', 'uname', 'gname', 'comment']);
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
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new StellaError('USAGE', `${file}: not a regular file`);
    return await new TarReader(file, handle, info.size, limits).read(visit);
  } finally {
    await handle.close();
  }
}

interface Header {
  offset: number;
  /** The typeflag character. */
  type: string;
  name: string;
  size: number;
}

class TarReader {
  private offset = 0;
  private total = 0;
  private readonly seen = new Map<string, string>(); // case-folded path → path as written
  private readonly listing: TarListing = { files: [], directories: [] };

  constructor(
    private readonly file: string,
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly limits: TarLimits,
  ) {}

  async read(visit: (entry: TarFile) => void | Promise<void>): Promise<TarListing> {
    if (this.size === 0) this.fail('TAR_CORRUPT', 'is empty, not a tar archive');
    // The pax header read just before the current entry, if any: it applies to that entry only.
    let pax: { path: string | undefined } | undefined;
    for (;;) {
      const offset = this.offset;
      if (this.size - offset < BLOCK) this.truncated(offset, 'ends without the end-of-archive marker');
      const block = await this.take(BLOCK, 'a header');
      if (isZero(block)) {
        if (pax !== undefined) this.fail('TAR_CORRUPT', `has a pax header before offset ${offset} with no entry after it`);
        await this.readEnd(offset);
        break;
      }
      const header = this.parseHeader(block, offset);
      if (header.type === 'x') {
        if (pax !== undefined) this.fail('TAR_CORRUPT', `has two pax headers in a row at offset ${offset}`);
        pax = { path: await this.readPax(header) };
        continue;
      }
      const path = pax?.path ?? header.name;
      pax = undefined;
      await this.entry(header, path, visit);
    }
    this.checkFileFolderClashes();
    return this.listing;
  }

  private async entry(header: Header, rawPath: string, visit: (entry: TarFile) => void | Promise<void>): Promise<void> {
    const kind = entryKind(header.type);
    if (kind !== 'file' && kind !== 'directory') {
      this.fail('PATH_UNSAFE', `entry '${printable(rawPath)}' at offset ${header.offset} is ${kind}; a kit holds only regular files and directories`);
    }
    const isDirectory = kind === 'directory';
    const path = isDirectory && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
    this.checkPath(path, header.offset);
    if (isDirectory && header.size !== 0) this.fail('TAR_CORRUPT', `directory '${path}' at offset ${header.offset} has a size of ${header.size}`);
    if (this.listing.files.length + this.listing.directories.length >= this.limits.maxEntries) {
      this.fail('LIMIT_EXCEEDED', `has more than ${this.limits.maxEntries} entries`);
    }
    if (isDirectory) {
      this.listing.directories.push(path);
      return;
    }
    if (header.size > this.limits.maxFileBytes) {
      this.fail('LIMIT_EXCEEDED', `'${path}' is ${header.size} bytes, over the limit of ${this.limits.maxFileBytes} per file`);
    }
    this.total += header.size;
    if (this.total > this.limits.maxTotalBytes) this.fail('LIMIT_EXCEEDED', `holds more than ${this.limits.maxTotalBytes} bytes in total`);
    const bytes = await this.take(header.size, `the contents of '${path}'`);
    await this.skipPadding(header.size, `'${path}'`);
    this.listing.files.push(path);
    await visit({ path, bytes });
  }

  private checkPath(path: string, offset: number): void {
    const problem = pathProblem(path);
    if (problem !== undefined) this.fail('PATH_UNSAFE', `entry '${printable(path)}' at offset ${offset} ${problem}`);
    if (Buffer.byteLength(path) > this.limits.maxPathBytes) {
      this.fail('LIMIT_EXCEEDED', `entry at offset ${offset} has a path longer than ${this.limits.maxPathBytes} bytes`);
    }
    const folded = path.toLowerCase();
    const earlier = this.seen.get(folded);
    if (earlier !== undefined) {
      this.fail('PATH_UNSAFE', earlier === path ? `holds '${path}' twice` : `holds '${earlier}' and '${path}', which differ only in case`);
    }
    this.seen.set(folded, path);
  }

  /** A file whose path is also a folder (explicit, or above another file) cannot be checked out. */
  private checkFileFolderClashes(): void {
    const files = new Set(this.listing.files.map((p) => p.toLowerCase()));
    const paths = [...this.listing.files, ...this.listing.directories];
    for (const path of paths) {
      const parts = path.toLowerCase().split('/');
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join('/');
        if (files.has(parent)) this.fail('PATH_UNSAFE', `holds '${path}' below '${parent}', which is a file`);
      }
    }
  }

  private parseHeader(block: Buffer, offset: number): Header {
    const stored = parseOctal(block.subarray(148, 156));
    if (stored === undefined || stored !== checksum(block)) this.fail('TAR_CORRUPT', `has a bad header checksum at offset ${offset}; the file is damaged (or compressed)`);
    if (block.toString('latin1', 257, 265) !== 'ustar\u000000') this.fail('TAR_CORRUPT', `header at offset ${offset} is not POSIX ustar; kits are written by \`stella kit export\``);
    const type = String.fromCharCode(block[156] as number);
    const size = parseOctal(block.subarray(124, 136));
    if (size === undefined) this.fail('TAR_CORRUPT', `header at offset ${offset} has an unreadable size field`);
    const name = this.decodeName(cString(block.subarray(0, 100)), offset);
    const prefix = this.decodeName(cString(block.subarray(345, 500)), offset);
    return { offset, type: type === '\u0000' ? '0' : type, name: prefix === '' ? name : `${prefix}/${name}`, size: size as number };
  }

  private decodeName(bytes: Buffer, offset: number): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return this.fail('PATH_UNSAFE', `entry at offset ${offset} has a name that is not valid UTF-8`);
    }
  }

  /** The `path` of a pax extended header; other path-changing keys are refused. */
  private async readPax(header: Header): Promise<string | undefined> {
    if (header.size > MAX_PAX_BYTES) this.fail('LIMIT_EXCEEDED', `pax header at offset ${header.offset} is over ${MAX_PAX_BYTES} bytes`);
    const body = await this.take(header.size, 'a pax header');
    await this.skipPadding(header.size, 'a pax header');
    let path: string | undefined;
    let at = 0;
    while (at < body.length) {
      const space = body.indexOf(0x20, at);
      const length = space > at ? Number(body.toString('latin1', at, space)) : NaN;
      const digitsOk = /^[1-9][0-9]*$/.test(body.toString('latin1', at, Math.max(space, at)));
      if (!digitsOk || at + length > body.length || at + length <= space + 1 || body[at + length - 1] !== 0x0a) {
        this.fail('TAR_CORRUPT', `pax header at offset ${header.offset} has a malformed record at byte ${at}`);
      }
      const record = this.decodeName(body.subarray(space + 1, at + length - 1), header.offset);
      const equals = record.indexOf('=');
      if (equals <= 0) this.fail('TAR_CORRUPT', `pax header at offset ${header.offset} has a record without a key`);
      const key = record.slice(0, equals);
      if (key === 'path') path = record.slice(equals + 1);
      else if (!IGNORED_PAX_KEYS.has(key)) this.fail('PATH_UNSAFE', `pax header at offset ${header.offset} sets '${printable(key)}', which a kit does not use`);
      at += length;
    }
    return path;
  }

  /** Two zero blocks, then nothing but zeros to the end of the file (tar pads to a record size). */
  private async readEnd(offset: number): Promise<void> {
    if (this.size - this.offset < BLOCK) this.truncated(this.offset, 'has only one of the two end-of-archive blocks');
    if (!isZero(await this.take(BLOCK, 'the end-of-archive marker'))) this.fail('TAR_CORRUPT', `has a zero block at offset ${offset} that is not followed by another`);
    while (this.offset < this.size) {
      const at = this.offset;
      if (!isZero(await this.take(Math.min(READ_CHUNK, this.size - at), 'trailing data'))) {
        this.fail('TAR_CORRUPT', `has data after the end-of-archive marker (from offset ${at})`);
      }
    }
  }

  private async skipPadding(size: number, what: string): Promise<void> {
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad === 0) return;
    const at = this.offset;
    if (!isZero(await this.take(pad, `the padding after ${what}`))) this.fail('TAR_CORRUPT', `has non-zero padding after ${what} at offset ${at}`);
  }

  /** Exactly `length` bytes at the current offset. */
  private async take(length: number, what: string): Promise<Buffer> {
    if (this.size - this.offset < length) this.truncated(this.offset, `ends inside ${what}`);
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, this.offset + done);
      if (bytesRead === 0) this.truncated(this.offset + done, `ends inside ${what}`);
      done += bytesRead;
    }
    this.offset += length;
    return buffer;
  }

  private truncated(offset: number, problem: string): never {
    return this.fail('TAR_CORRUPT', `is truncated: it ${problem} (offset ${offset} of ${this.size} bytes)`);
  }

  private fail(code: 'TAR_CORRUPT' | 'PATH_UNSAFE' | 'LIMIT_EXCEEDED' | 'USAGE', problem: string): never {
    throw new StellaError(code, `${this.file}: ${problem}`, { data: { file: this.file, offset: this.offset } });
  }
}

type EntryKind = 'file' | 'directory' | 'a hard link' | 'a symbolic link' | 'a device file' | 'a FIFO' | 'a GNU long name' | 'a global pax header' | 'a sparse file' | `of type '${string}'`;

function entryKind(type: string): EntryKind {
  switch (type) {
    case '0':
      return 'file';
    case '5':
      return 'directory';
    case '1':
      return 'a hard link';
    case '2':
      return 'a symbolic link';
    case '3':
    case '4':
      return 'a device file';
    case '6':
      return 'a FIFO';
    case 'L':
    case 'K':
      return 'a GNU long name';
    case 'g':
      return 'a global pax header';
    case 'S':
      return 'a sparse file';
    default:
      return `of type '${printable(type)}'`;
  }
}

/** The header checksum: the sum of all bytes with the checksum field read as spaces. */
function checksum(block: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] as number;
  return sum;
}

/** An octal field: optional leading spaces, octal digits, then only NULs and spaces. Base-256 is refused. */
function parseOctal(field: Buffer): number | undefined {
  const text = field.toString('latin1');
  const match = /^ *([0-7]+)[ \u0000]*$/.exec(text);
  return match === null ? undefined : parseInt(match[1] as string, 8);
}

/** The bytes of a NUL-terminated header field. */
function cString(field: Buffer): Buffer {
  const end = field.indexOf(0);
  return end === -1 ? field : field.subarray(0, end);
}

function isZero(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** A name for an error message: control characters escaped, length capped. */
function printable(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}
