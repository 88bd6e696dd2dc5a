/**
 * The central directory of a ZIP archive, read for untrusted input: ZIP64
 * and data prepended to the archive (self-launching Spring Boot jars) are
 * understood, and an archive whose entries overlap — several names pointing
 * into the same bytes, the "overlap bomb" that multiplies a small file into
 * gigabytes of output — is refused as a whole.
 *
 * @example
 *   const entries = await readZipDirectory(bytesSource(bytes));
 *   if (typeof entries === 'string') warn(entries); // why it is not a readable zip
 */
import type { ByteSource } from './source.js';

/**
 * One central-directory record.
 *
 * @example
 *   const entry: ZipEntry = { name: 'a.json', nameBytes, method: 8, flags: 0, encrypted: false, compressedSize: 120, size: 200, crc32: 0, localOffset: 0 };
 */
export interface ZipEntry {
  /** The name decoded as UTF-8 (invalid bytes replaced); `nameBytes` as stored. */
  name: string;
  nameBytes: Uint8Array;
  /** 0 stored, 8 deflated; anything else is not read. */
  method: number;
  /** General-purpose flags as stored. */
  flags: number;
  encrypted: boolean;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the local header, already adjusted for data before the archive. */
  localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const MAX_COMMENT = 0xffff;
const LOCAL_HEADER = 30;
const names = new TextDecoder();

/**
 * The entries of a ZIP archive (at most `maxEntries`), or why it cannot be read as one.
 *
 * @example
 *   await readZipDirectory(bytesSource(new Uint8Array(10))); // 'no end-of-central-directory record (not a ZIP archive)'
 */
export async function readZipDirectory(source: ByteSource, maxEntries = Number.MAX_SAFE_INTEGER): Promise<ZipEntry[] | string> {
  const end = await findEnd(source);
  if (typeof end === 'string') return end;
  // The directory ends where the end record starts; any difference from its recorded offset is prepended data.
  const cdStart = end.recordStart - end.cdSize;
  const shift = cdStart - end.cdOffset;
  if (cdStart < 0 || shift < 0) return 'central directory lies outside the file';
  const directory = await source.read(cdStart, end.cdSize);
  if (directory.byteLength < end.cdSize) return 'central directory lies outside the file';
  const entries = parseEntries(directory, end.count, maxEntries, shift);
  if (typeof entries === 'string') return entries;
  return overlap(entries, cdStart) ?? entries;
}

interface End {
  count: number;
  cdSize: number;
  cdOffset: number;
  /** Offset of the (ZIP64) end record: the central directory ends there. */
  recordStart: number;
}

async function findEnd(source: ByteSource): Promise<End | string> {
  const tailStart = Math.max(0, source.size - 22 - MAX_COMMENT);
  const tail = await source.read(tailStart, source.size - tailStart);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const at = findEocd(tail, view);
  if (at === undefined) return 'no end-of-central-directory record (not a ZIP archive)';
  const end: End = { count: view.getUint16(at + 10, true), cdSize: view.getUint32(at + 12, true), cdOffset: view.getUint32(at + 16, true), recordStart: tailStart + at };
  if (end.count !== 0xffff && end.cdSize !== 0xffffffff && end.cdOffset !== 0xffffffff) return end;
  const zip64 = await findZip64Eocd(source, tailStart + at);
  if (zip64 === undefined) return 'ZIP64 end-of-central-directory record is missing';
  const record = await source.read(zip64, 56);
  const z = new DataView(record.buffer, record.byteOffset, record.byteLength);
  return { count: safeNumber(z.getBigUint64(32, true)), cdSize: safeNumber(z.getBigUint64(40, true)), cdOffset: safeNumber(z.getBigUint64(48, true)), recordStart: zip64 };
}

function parseEntries(bytes: Uint8Array, count: number, maxEntries: number, shift: number): ZipEntry[] | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count && entries.length < maxEntries; i++) {
    if (at + 46 > bytes.byteLength || view.getUint32(at, true) !== CENTRAL) return `central directory entry ${i} is damaged`;
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const end = at + 46 + nameLength + extraLength + view.getUint16(at + 32, true);
    if (end > bytes.byteLength) return `central directory entry ${i} runs past the directory`;
    const sizes = { compressedSize: view.getUint32(at + 20, true), size: view.getUint32(at + 24, true), localOffset: view.getUint32(at + 42, true) };
    readZip64Extra(view, at + 46 + nameLength, at + 46 + nameLength + extraLength, sizes);
    const nameBytes = bytes.slice(at + 46, at + 46 + nameLength);
    entries.push({
      name: names.decode(nameBytes),
      nameBytes,
      method: view.getUint16(at + 10, true),
      flags,
      encrypted: (flags & 1) !== 0,
      compressedSize: sizes.compressedSize,
      size: sizes.size,
      crc32: view.getUint32(at + 16, true),
      localOffset: sizes.localOffset + shift,
    });
    at = end;
  }
  return entries;
}

/** ZIP64 extra field: the 64-bit values, in this order, for the fields that hold 0xffffffff. */
function readZip64Extra(view: DataView, start: number, extraEnd: number, sizes: { compressedSize: number; size: number; localOffset: number }): void {
  for (let e = start; e + 4 <= extraEnd; ) {
    const id = view.getUint16(e, true);
    const length = view.getUint16(e + 2, true);
    if (id === 0x0001) {
      let field = e + 4;
      const fieldEnd = Math.min(field + length, extraEnd);
      const next = (fallback: number): number => {
        if (field + 8 > fieldEnd) return fallback;
        const value = safeNumber(view.getBigUint64(field, true));
        field += 8;
        return value;
      };
      if (sizes.size === 0xffffffff) sizes.size = next(sizes.size);
      if (sizes.compressedSize === 0xffffffff) sizes.compressedSize = next(sizes.compressedSize);
      if (sizes.localOffset === 0xffffffff) sizes.localOffset = next(sizes.localOffset);
    }
    e += 4 + length;
  }
}

/**
 * Entries laid out in offset order must each end before the next begins
 * (and the last before the central directory). Each entry needs at least its
 * local header, its name and its compressed data; two names at one offset,
 * or one entry's data running into another's, is an overlap.
 */
function overlap(entries: ZipEntry[], cdStart: number): string | undefined {
  const ordered = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 0; i < ordered.length; i++) {
    const entry = ordered[i] as ZipEntry;
    const end = entry.localOffset + LOCAL_HEADER + entry.nameBytes.byteLength + entry.compressedSize;
    const next = ordered[i + 1];
    if (next !== undefined && end > next.localOffset) {
      return `entries '${shown(entry.name)}' and '${shown(next.name)}' overlap at offset ${next.localOffset} (an overlap bomb or a damaged archive); refused`;
    }
    if (next === undefined && end > cdStart) return `entry '${shown(entry.name)}' runs into the central directory; refused`;
  }
  return undefined;
}

function shown(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

function findEocd(bytes: Uint8Array, view: DataView): number | undefined {
  const last = bytes.byteLength - 22;
  for (let at = last; at >= 0; at--) {
    // The comment length must reach exactly to the end of the file, which rules out a signature inside a comment.
    if (bytes[at] === 0x50 && view.getUint32(at, true) === EOCD && at + 22 + view.getUint16(at + 20, true) === bytes.byteLength) return at;
  }
  for (let at = last; at >= 0; at--) if (bytes[at] === 0x50 && view.getUint32(at, true) === EOCD) return at;
  return undefined;
}

async function findZip64Eocd(source: ByteSource, eocd: number): Promise<number | undefined> {
  const locator = eocd - 20;
  if (locator < 0) return undefined;
  const bytes = await source.read(locator, 20);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 20 || view.getUint32(0, true) !== ZIP64_LOCATOR) return undefined;
  // Normally right before the locator (56 bytes, no extensible data); else where the locator says.
  for (const at of [locator - 56, safeNumber(view.getBigUint64(8, true))]) {
    if (at < 0 || at + 56 > locator) continue;
    const head = await source.read(at, 4);
    if (head.byteLength === 4 && new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) === ZIP64_EOCD) return at;
  }
  return undefined;
}

/** Sizes and offsets beyond 2^53 cannot describe a real file; they become an impossible value. */
function safeNumber(value: bigint): number {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Number.MAX_SAFE_INTEGER;
}
