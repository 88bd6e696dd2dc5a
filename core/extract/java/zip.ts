/**
 * A ZIP reader for archives held in memory, built for untrusted input: it
 * reads the central directory (ZIP64 and data prepended to the archive, as
 * in self-launching Spring Boot jars, included) and inflates single entries
 * with fflate's streaming inflater, a chunk at a time, so that an entry
 * whose real size exceeds what its header claims — or a shared budget — is
 * stopped after one chunk instead of after it has filled memory or spun the
 * CPU. (fflate's `unzipSync` trusts the declared sizes.)
 *
 * @example
 *   const dir = readZipDirectory(bytes);
 *   if (typeof dir !== 'string') {
 *     const budget = { remaining: 64 << 20 };
 *     const manifest = dir.find((e) => e.name === 'META-INF/MANIFEST.MF');
 *     if (manifest) readZipEntry(bytes, manifest, budget);
 *   }
 */
import { Inflate } from 'fflate';

/**
 * One central-directory record.
 *
 * @example
 *   const entry: ZipEntry = { name: 'META-INF/MANIFEST.MF', method: 8, encrypted: false, compressedSize: 120, size: 200, localOffset: 0 };
 */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated; anything else is not read. */
  method: number;
  encrypted: boolean;
  compressedSize: number;
  size: number;
  /** Offset of the local header, already adjusted for data before the archive. */
  localOffset: number;
}

/**
 * Entry bytes still allowed to be read; shared by every read of one file so
 * nesting and overlapping entries cannot multiply the work.
 *
 * @example
 *   const budget: InflateBudget = { remaining: 512 * 1024 * 1024 };
 */
export interface InflateBudget {
  remaining: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
/** Input per inflate step: deflate expands at most ~1032×, so one step yields at most ~16 MiB. */
const INFLATE_CHUNK = 16 * 1024;

/**
 * The entries of a ZIP archive, or why it cannot be read as one.
 *
 * @example
 *   readZipDirectory(new Uint8Array(10)); // 'no end-of-central-directory record (not a ZIP archive)'
 */
export function readZipDirectory(bytes: Uint8Array, maxEntries = Number.MAX_SAFE_INTEGER): ZipEntry[] | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEocd(bytes, view);
  if (eocd === undefined) return 'no end-of-central-directory record (not a ZIP archive)';
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  let recordStart = eocd;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const zip64 = findZip64Eocd(bytes, view, eocd);
    if (zip64 === undefined) return 'ZIP64 end-of-central-directory record is missing';
    count = safeNumber(view.getBigUint64(zip64 + 32, true));
    cdSize = safeNumber(view.getBigUint64(zip64 + 40, true));
    cdOffset = safeNumber(view.getBigUint64(zip64 + 48, true));
    recordStart = zip64;
  }
  // The directory ends where the end record starts; any difference from its recorded offset is prepended data.
  const cdStart = recordStart - cdSize;
  const shift = cdStart - cdOffset;
  if (cdStart < 0 || shift < 0) return 'central directory lies outside the file';
  const entries: ZipEntry[] = [];
  let at = cdStart;
  for (let i = 0; i < count && entries.length < maxEntries; i++) {
    if (at + 46 > recordStart || view.getUint32(at, true) !== CENTRAL) return `central directory entry ${i} is damaged`;
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > recordStart) return `central directory entry ${i} runs past the directory`;
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    let localOffset = view.getUint32(at + 42, true);
    // ZIP64 extra field: the 64-bit values, in this order, for the fields that hold 0xffffffff.
    const extraEnd = at + 46 + nameLength + extraLength;
    for (let e = at + 46 + nameLength; e + 4 <= extraEnd; ) {
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
        if (size === 0xffffffff) size = next(size);
        if (compressedSize === 0xffffffff) compressedSize = next(compressedSize);
        if (localOffset === 0xffffffff) localOffset = next(localOffset);
      }
      e += 4 + length;
    }
    entries.push({
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: view.getUint16(at + 10, true),
      encrypted: (flags & 1) !== 0,
      compressedSize,
      size,
      localOffset: localOffset + shift,
    });
    at = end;
  }
  return entries;
}

/**
 * The bytes of one entry, or why they cannot be had: an unsupported method,
 * encryption, damage, a size that does not match its header, or the budget.
 * Stored entries are views into `bytes`; every entry read is charged to the
 * budget by its size, since a hostile archive can point many entries at the
 * same bytes.
 *
 * @example
 *   const data = readZipEntry(bytes, entry, { remaining: 1 << 20 });
 *   if (typeof data === 'string') warnings.push(data);
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, budget: InflateBudget): Uint8Array | string {
  if (entry.encrypted) return 'encrypted';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localOffset;
  if (local < 0 || local + 30 > bytes.byteLength || view.getUint32(local, true) !== LOCAL) return 'local header is damaged';
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.byteLength) return 'data runs past the end of the archive';
  const data = bytes.subarray(start, end);
  // Stored entries cost no memory, but entries may overlap: charging them too bounds the work, not just the memory.
  if (entry.size > budget.remaining) return `reading ${entry.size} bytes would exceed the extraction budget`;
  switch (entry.method) {
    case 0:
      if (entry.compressedSize !== entry.size) return 'stored entry sizes disagree';
      budget.remaining -= entry.size;
      return data;
    case 8:
      return inflateBounded(data, entry.size, budget);
    default:
      return `compression method ${entry.method} is not supported`;
  }
}

function inflateBounded(data: Uint8Array, declared: number, budget: InflateBudget): Uint8Array | string {
  const out = new Uint8Array(declared);
  let written = 0;
  let problem: string | undefined;
  const inflater = new Inflate((chunk) => {
    if (problem !== undefined) return;
    if (written + chunk.byteLength > declared) {
      problem = `inflates to more than the ${declared} bytes its header declares`;
      return;
    }
    out.set(chunk, written);
    written += chunk.byteLength;
  });
  try {
    for (let at = 0; at < data.byteLength && problem === undefined; at += INFLATE_CHUNK) {
      inflater.push(data.subarray(at, at + INFLATE_CHUNK), at + INFLATE_CHUNK >= data.byteLength);
    }
    if (data.byteLength === 0) inflater.push(data, true);
  } catch (error) {
    return `deflate data is damaged (${error instanceof Error ? error.message : String(error)})`;
  }
  if (problem !== undefined) return problem;
  if (written !== declared) return `inflates to ${written} bytes, its header declares ${declared}`;
  budget.remaining -= declared;
  return out;
}

function findEocd(bytes: Uint8Array, view: DataView): number | undefined {
  const last = bytes.byteLength - 22;
  const first = Math.max(0, last - MAX_COMMENT);
  for (let at = last; at >= first; at--) {
    // The comment length must reach exactly to the end of the file, which rules out a signature inside a comment.
    if (bytes[at] === 0x50 && view.getUint32(at, true) === EOCD && at + 22 + view.getUint16(at + 20, true) === bytes.byteLength) return at;
  }
  for (let at = last; at >= first; at--) if (bytes[at] === 0x50 && view.getUint32(at, true) === EOCD) return at;
  return undefined;
}

function findZip64Eocd(bytes: Uint8Array, view: DataView, eocd: number): number | undefined {
  const locator = eocd - 20;
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) return undefined;
  // Normally right before the locator (56 bytes, no extensible data); else where the locator says.
  const candidates = [locator - 56, safeNumber(view.getBigUint64(locator + 8, true))];
  return candidates.find((at) => at >= 0 && at + 56 <= locator && view.getUint32(at, true) === ZIP64_EOCD);
}

/** Sizes and offsets beyond 2^53 cannot describe an in-memory file; they become an impossible value. */
function safeNumber(value: bigint): number {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Number.MAX_SAFE_INTEGER;
}
