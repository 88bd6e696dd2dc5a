/**
 * The first pass of indexing a received pack: its entries in order, read
 * back from the spool a block at a time. Every entry is held to the size
 * limits before and while it is inflated (declared size first, then the
 * inflated bytes, then a delta's result size from its first bytes, then the
 * running total); whole objects are hashed as they inflate, so no object is
 * held whole; each entry's raw bytes get their CRC-32 for the index. Deltas
 * are only measured here and resolved later (`pack-resolve.ts`).
 *
 * @example
 *   const entries = await scanEntries(spool, limits, 'nightly.bundle');
 *   entries.filter((e) => e.oid === undefined).length; // deltas left to resolve
 */
import { StellaError } from '../errors.js';
import { hexEncode } from '../sign/encoding.js';
import { PACK_HEADER_BYTES, PACK_TRAILER_BYTES } from './pack-file.js';
import { inflateEntry, SpoolCursor } from './pack-inflate.js';
import { MAX_OBJECT_BYTES, MAX_PACK_BYTES, MAX_PACK_INFLATED_BYTES, mib, type PackLimits } from './pack-limits.js';
import { inMemorySpool, type PackSpool } from './pack-spool.js';
import { crc32, Sha1 } from './sha1.js';

/** Pack type numbers. */
export const OFS_DELTA = 6;
export const REF_DELTA = 7;
/** Names of the whole types, by number. */
export const OBJECT_TYPES = ['', 'commit', 'tree', 'blob', 'tag'] as const;
const TYPE_NAMES = ['', 'commit', 'tree', 'blob', 'tag', '', 'offset delta', 'reference delta'];

/** One entry of a pack. */
export interface PackEntry {
  /** 1-based position, for messages. */
  number: number;
  offset: number;
  /** Pack type: 1–4 a whole object, 6 an offset delta, 7 a reference delta. */
  type: number;
  /** Inflated size the header declares (of the delta, for a delta). */
  size: number;
  dataAt: number;
  /** Offset just past the entry's zlib data. */
  end: number;
  crc: number;
  /** For an offset delta, the base's offset; for a reference delta, the base's id. */
  baseOffset?: number;
  baseOid?: string;
  /** Object id and whole type (1–4): known for whole objects now, for deltas once resolved. */
  oid?: string;
  objectType?: number;
}

/**
 * The pack's entries (the spool holds a pack whose trailer was checked).
 * Throws LIMIT_EXCEEDED naming `source` and the entry when an object, a
 * delta's result or their sum is over its limit; REPO_INVALID for an entry
 * that does not inflate to its declared size, an offset delta whose base
 * is not an earlier entry, or stray bytes.
 */
export async function scanEntries(spool: PackSpool, limits: PackLimits, source: string): Promise<PackEntry[]> {
  const maxObject = limits.maxObjectBytes ?? MAX_OBJECT_BYTES;
  const maxTotal = limits.maxTotalBytes ?? MAX_PACK_INFLATED_BYTES;
  const end = spool.size - PACK_TRAILER_BYTES;
  const cursor = new SpoolCursor(spool, end);
  const head = await cursor.bytes(0, PACK_HEADER_BYTES);
  const count = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(8);
  const entries: PackEntry[] = [];
  const starts = new Set<number>();
  let total = 0;
  let at = PACK_HEADER_BYTES;
  for (let i = 1; i <= count; i++) {
    const entry = await readEntryHeader(cursor, at, i, source);
    const what = `${source}: object ${i} of ${count} (${TYPE_NAMES[entry.type] ?? 'unknown'} at pack offset ${at})`;
    const over = (size: number, kind: string): StellaError =>
      new StellaError('LIMIT_EXCEEDED', `${what} ${kind} ${size} bytes, over the limit of ${mib(maxObject)} per object; nothing was changed`, {
        data: { source, entry: i, offset: at, size },
      });
    if (entry.size > maxObject) throw over(entry.size, 'is');
    if (entry.baseOffset !== undefined && !starts.has(entry.baseOffset)) {
      throw new StellaError('REPO_INVALID', `${what} names its delta base at pack offset ${entry.baseOffset}, where no earlier object starts`);
    }
    const isDelta = entry.type === OFS_DELTA || entry.type === REF_DELTA;
    const hash = isDelta ? undefined : new Sha1().update(new TextEncoder().encode(`${OBJECT_TYPES[entry.type] ?? ''} ${entry.size}\0`));
    const deltaHead: number[] = [];
    const consumed = await inflateEntry(cursor, entry.dataAt, entry.size, limits, what, (chunk) => {
      hash?.update(chunk);
      for (let k = 0; isDelta && deltaHead.length < 20 && k < chunk.length; k++) deltaHead.push(chunk[k] as number);
    });
    let size = entry.size;
    if (isDelta) {
      size = deltaResultSize(deltaHead, what);
      if (size > maxObject) throw over(size, 'would become');
    }
    total += size;
    if (total > maxTotal) {
      throw new StellaError('LIMIT_EXCEEDED', `${source}: the pack's objects add up to more than ${mib(maxTotal)} inflated (at ${what.slice(source.length + 2)}); nothing was changed`);
    }
    const next = entry.dataAt + consumed;
    let crc = 0;
    await cursor.fold(at, next, (bytes) => {
      crc = crc32(crc, bytes);
    });
    const { baseOffset, baseOid } = entry;
    entries.push({
      number: i,
      offset: at,
      type: entry.type,
      size: entry.size,
      dataAt: entry.dataAt,
      end: next,
      crc,
      ...(baseOffset === undefined ? {} : { baseOffset }),
      ...(baseOid === undefined ? {} : { baseOid }),
      ...(hash === undefined ? {} : { oid: hexEncode(hash.digest()), objectType: entry.type }),
    });
    starts.add(at);
    at = next;
  }
  if (at !== end) throw new StellaError('REPO_INVALID', `${source}: ${end - at} stray bytes after the pack's last object`);
  return entries;
}

/**
 * The limit checks alone, over a pack in memory (already checked by
 * `verifyPack`): the checks `publishPack` makes before anything is published.
 *
 * @example await checkPackLimits(pack, { inflate, maxObjectBytes: 1 << 20 }, 'fetch of main')
 */
export async function checkPackLimits(pack: Uint8Array, limits: PackLimits, source: string): Promise<void> {
  const maxPack = limits.maxPackBytes ?? MAX_PACK_BYTES;
  if (pack.length > maxPack) {
    throw new StellaError('LIMIT_EXCEEDED', `${source}: the pack is ${pack.length} bytes, over the limit of ${mib(maxPack)} per pack; nothing was changed`);
  }
  const spool = inMemorySpool(undefined);
  await spool.append(pack);
  await scanEntries(spool, limits, source);
}

/** An entry's header: its type, declared size, base and where its zlib data starts. */
export interface EntryHeader {
  type: number;
  size: number;
  dataAt: number;
  baseOffset?: number;
  baseOid?: string;
}

/**
 * Type, declared size, base and where the zlib data starts, for the entry at `offset`.
 * @example const header = await readEntryHeader(cursor, offset, 1, 'pack-x.pack');
 */
export async function readEntryHeader(cursor: SpoolCursor, offset: number, number: number, source: string): Promise<EntryHeader> {
  // A header is at most 10 size bytes and a 20-byte base (or a 10-byte offset).
  const bytes = await cursor.bytes(offset, 32);
  let at = 0;
  const next = (): number => {
    if (at >= bytes.length) throw new StellaError('REPO_INVALID', `${source}: the pack ends inside an object header`);
    return bytes[at++] as number;
  };
  let byte = next();
  const type = (byte >> 4) & 7;
  let size = byte & 0x0f;
  let scale = 16;
  while (byte & 0x80) {
    byte = next();
    size += (byte & 0x7f) * scale;
    scale *= 128;
    // Past 2^53 the number is no longer exact; any such size is far over every limit anyway.
    if (scale > 2 ** 53) size = Number.MAX_SAFE_INTEGER;
  }
  const header: EntryHeader = { type, size, dataAt: 0 };
  if (type === REF_DELTA) {
    if (at + 20 > bytes.length) throw new StellaError('REPO_INVALID', `${source}: the pack ends inside an object header`);
    header.baseOid = hexEncode(bytes.subarray(at, at + 20));
    at += 20;
  } else if (type === OFS_DELTA) {
    // Git's offset encoding: each continuation adds one before shifting, so no value has two spellings.
    byte = next();
    let distance = byte & 0x7f;
    while (byte & 0x80 && distance < 2 ** 46) {
      byte = next();
      distance = (distance + 1) * 128 + (byte & 0x7f);
    }
    if (byte & 0x80 || distance === 0 || distance > offset - PACK_HEADER_BYTES) {
      throw new StellaError('REPO_INVALID', `${source}: object ${number} (offset delta at pack offset ${offset}) names a delta base outside the pack or not before it`);
    }
    header.baseOffset = offset - distance;
  } else if (type < 1 || type > 4) {
    throw new StellaError('REPO_INVALID', `${source}: unknown object type ${type} at pack offset ${offset}`);
  }
  header.dataAt = offset + at;
  if (header.dataAt >= cursor.end) throw new StellaError('REPO_INVALID', `${source}: the pack ends inside an object header`);
  return header;
}

/** A delta starts with two varints: the base's size and the result's. */
function deltaResultSize(delta: readonly number[], what: string): number {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      if (at >= delta.length) throw new StellaError('REPO_INVALID', `${what}: the delta ends inside its header`);
      byte = delta[at++] as number;
      value += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80 && scale <= 2 ** 53);
    return byte & 0x80 ? Number.MAX_SAFE_INTEGER : value;
  };
  varint();
  return varint();
}
