/**
 * Decoding of one 512-byte tar header block (v7, POSIX ustar, GNU), shared
 * by the streaming parser and the outer-archive indexer. Decoding is strict
 * where a lax reader would silently lose entries: the checksum must match,
 * numeric fields must be octal or GNU base-256, and sizes must be safe
 * integers. Strict mode (kits) accepts POSIX ustar headers only: unsigned
 * checksums, plain octal numbers, the `ustar\0` `00` magic.
 *
 * @example
 *   const header = decodeHeader(block, 1024, 'image.tar');
 *   if (header !== undefined && header.type === 'file') skip(header.size);
 */
import { StellaError } from '../../errors.js';
import { concatBytes } from '../bytes.js';

/** Tar block size: headers are one block, data is padded to whole blocks. */
export const BLOCK = 512;

/** What a header describes; `other` is any typeflag we do not know (POSIX: read it as a regular file). */
export type EntryType =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'char-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'pax'
  | 'pax-global'
  | 'gnu-long-name'
  | 'gnu-long-link'
  | 'gnu-sparse'
  | 'other';

/** The fields of one header block that the readers use. */
export interface RawHeader {
  type: EntryType;
  /** The typeflag byte as stored (strict readers judge it themselves). */
  typeflag: number;
  /** Name bytes as stored (ustar prefix joined with `/`), up to the first NUL. */
  name: Uint8Array;
  linkname: Uint8Array;
  /** Size field: bytes of data that follow the header (before a pax override). */
  size: number;
  /** GNU old-style sparse: extension blocks follow the header. */
  sparseExtended: boolean;
}

const TYPES: Record<number, EntryType> = {
  0x00: 'file',
  0x30: 'file', // '0'
  0x37: 'file', // '7' contiguous
  0x31: 'hardlink',
  0x32: 'symlink',
  0x33: 'char-device',
  0x34: 'block-device',
  0x35: 'directory',
  0x36: 'fifo',
  0x78: 'pax', // 'x'
  0x67: 'pax-global', // 'g'
  0x4c: 'gnu-long-name', // 'L'
  0x4b: 'gnu-long-link', // 'K'
  0x53: 'gnu-sparse', // 'S'
};

/** Types whose data, whatever the size field says, is empty (as in Go's archive/tar, which containerd uses). */
export function isHeaderOnly(type: EntryType): boolean {
  return type === 'hardlink' || type === 'symlink' || type === 'char-device' || type === 'block-device' || type === 'directory' || type === 'fifo';
}

/** Bytes of data that follow a header of this type and size, padding excluded. */
export function dataSize(type: EntryType, size: number): number {
  return isHeaderOnly(type) ? 0 : size;
}

/** Padding after `size` bytes of data to the next block boundary. */
export function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

/** True for an all-zero block (end-of-archive marker). */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * Decodes a header block at stream offset `offset`; `where` prefixes error
 * messages. Returns undefined for a zero block. Throws TAR_CORRUPT for a bad
 * checksum or field (and, when `strict`, for anything but POSIX ustar).
 */
export function decodeHeader(block: Uint8Array, offset: number, where: string, strict = false): RawHeader | undefined {
  if (isZeroBlock(block)) return undefined;
  const stored = strict ? parseStrictOctal(block, 148, 8) : parseOctal(block, 148, 8);
  if (stored === undefined || !checksumMatches(block, stored, strict)) {
    const problem = strict ? `has a bad header checksum at offset ${offset}; the file is damaged (or compressed)` : `tar header checksum mismatch at offset ${offset}`;
    throw new StellaError('TAR_CORRUPT', `${where}: ${problem}`);
  }
  const posix = block[257] === 0x75 && block[262] === 0 && block[263] === 0x30 && block[264] === 0x30; // "ustar\0" "00"
  if (strict && !(posix && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72)) {
    throw new StellaError('TAR_CORRUPT', `${where}: header at offset ${offset} is not POSIX ustar`);
  }
  const typeflag = block[156] ?? 0;
  const type = TYPES[typeflag] ?? 'other';
  const size = strict ? parseStrictOctal(block, 124, 12) : parseNumber(block, 124, 12);
  if (size === undefined) {
    const problem = strict ? `header at offset ${offset} has an unreadable size field` : `invalid size field in the tar header at offset ${offset}`;
    throw new StellaError('TAR_CORRUPT', `${where}: ${problem}`);
  }
  let name = field(block, 0, 100);
  if (posix && block[345] !== 0) name = concatBytes([field(block, 345, 155), SLASH, name]);
  // Pre-POSIX tars mark directories only by the trailing slash of a "\0"-typed entry (Go's archive/tar reads it so too).
  const kind = !strict && typeflag === 0 && name[name.length - 1] === 0x2f ? 'directory' : type;
  return { type: kind, typeflag, name, linkname: field(block, 157, 100), size, sparseExtended: type === 'gnu-sparse' && block[482] !== 0 };
}

const SLASH = Uint8Array.of(0x2f);

/** The bytes of a NUL-terminated field (a view, not a copy). */
function field(block: Uint8Array, start: number, length: number): Uint8Array {
  let end = start;
  const limit = start + length;
  while (end < limit && block[end] !== 0) end++;
  return block.subarray(start, end);
}

function checksumMatches(block: Uint8Array, stored: number, strict: boolean): boolean {
  // The checksum field counts as eight spaces. Old tars summed signed bytes; accept either unless strict.
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte >= 0x80 ? byte - 0x100 : byte;
  }
  return stored === unsigned || (!strict && stored === signed);
}

/** An octal field, or GNU base-256 when the high bit of the first byte is set. */
export function parseNumber(block: Uint8Array, start: number, length: number): number | undefined {
  const first = block[start] ?? 0;
  if ((first & 0x80) === 0) return parseOctal(block, start, length);
  if (first === 0xff) return undefined; // negative base-256: never a valid size
  let value = first & 0x7f;
  for (let i = start + 1; i < start + length; i++) {
    value = value * 256 + (block[i] ?? 0);
    if (value > Number.MAX_SAFE_INTEGER) return undefined;
  }
  return value;
}

/** Octal digits after trimming spaces and NULs at both ends (as Go's archive/tar does); empty means 0. */
function parseOctal(block: Uint8Array, start: number, length: number): number | undefined {
  let i = start;
  let end = start + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  while (end > i && (block[end - 1] === 0x20 || block[end - 1] === 0)) end--;
  return octalDigits(block, i, end);
}

/** Strict: optional leading spaces, at least one octal digit, then only NULs and spaces. Base-256 is refused. */
function parseStrictOctal(block: Uint8Array, start: number, length: number): number | undefined {
  let i = start;
  const limit = start + length;
  while (i < limit && block[i] === 0x20) i++;
  let end = i;
  while (end < limit && (block[end] ?? 0) >= 0x30 && (block[end] ?? 0) <= 0x37) end++;
  if (end === i) return undefined;
  for (let rest = end; rest < limit; rest++) if (block[rest] !== 0x20 && block[rest] !== 0) return undefined;
  return octalDigits(block, i, end);
}

function octalDigits(block: Uint8Array, from: number, end: number): number | undefined {
  let value = 0;
  for (let i = from; i < end; i++) {
    const byte = block[i] ?? 0;
    if (byte < 0x30 || byte > 0x37) return undefined;
    value = value * 8 + (byte - 0x30);
  }
  return value > Number.MAX_SAFE_INTEGER ? undefined : value;
}
