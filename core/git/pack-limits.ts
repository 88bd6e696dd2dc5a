/**
 * Size limits on packs from outside (a bundle, a fetch), checked entry by
 * entry *before* anything indexes the pack: isomorphic-git's indexer holds
 * every inflated object in memory, so one highly compressible blob of a few
 * hundred megabytes (a few hundred kilobytes in the pack) would take
 * gigabytes. Each entry's header declares its inflated size; that number is
 * checked first, then the entry is inflated with the declared size as a hard
 * cap (a header that lies cannot make it grow), and a delta's result size is
 * checked from the first bytes of the delta.
 *
 * Finding where one zlib stream ends (and the next entry starts) needs an
 * inflater that reports the input it consumed; Web `DecompressionStream`
 * does not, so the caller passes one in (Node: `zlib.inflateSync` with
 * `info` and `maxOutputLength`).
 *
 * @example
 *   checkPackLimits(pack, { inflate: nodeMeasuredInflate }, 'nightly.bundle');
 */
import { StellaError } from '../errors.js';
import { PACK_HEADER_BYTES, PACK_TRAILER_BYTES } from './pack-file.js';

/** Largest inflated object (or delta result) a received pack may hold: 100 MiB. */
export const MAX_OBJECT_BYTES = 100 * 1024 * 1024;
/** Largest sum of inflated object sizes in one received pack: 1 GiB. */
export const MAX_PACK_INFLATED_BYTES = 1024 * 1024 * 1024;
/** Largest received pack (compressed, as sent): 512 MiB. */
export const MAX_PACK_BYTES = 512 * 1024 * 1024;

/**
 * Inflates the zlib stream at the start of `input` (more bytes may follow
 * it), producing at most `maxOutput` bytes — more is an error, not a larger
 * buffer — and says how many input bytes the stream took.
 */
export type MeasuredInflate = (input: Uint8Array, maxOutput: number) => { data: Uint8Array; consumed: number };

export interface PackLimits {
  inflate: MeasuredInflate;
  /** Default MAX_OBJECT_BYTES. */
  maxObjectBytes?: number;
  /** Default MAX_PACK_INFLATED_BYTES. */
  maxTotalBytes?: number;
  /** Default MAX_PACK_BYTES. */
  maxPackBytes?: number;
}

const TYPE_NAMES = ['', 'commit', 'tree', 'blob', 'tag', '', 'offset delta', 'reference delta'];
const OFS_DELTA = 6;
const REF_DELTA = 7;

/**
 * Walks every entry of `pack` (already checked by `verifyPack`) and throws
 * LIMIT_EXCEEDED — naming `source` and the entry — when an object, a delta's
 * result, the sum of them or the pack itself is over its limit; REPO_INVALID
 * when an entry does not inflate to the size its header declares.
 *
 * @example checkPackLimits(pack, { inflate, maxObjectBytes: 1 << 20 }, 'fetch of main')
 */
export function checkPackLimits(pack: Uint8Array, limits: PackLimits, source: string): void {
  const maxObject = limits.maxObjectBytes ?? MAX_OBJECT_BYTES;
  const maxTotal = limits.maxTotalBytes ?? MAX_PACK_INFLATED_BYTES;
  const maxPack = limits.maxPackBytes ?? MAX_PACK_BYTES;
  if (pack.length > maxPack) {
    throw new StellaError('LIMIT_EXCEEDED', `${source}: the pack is ${pack.length} bytes, over the limit of ${mib(maxPack)} per pack; nothing was changed`);
  }
  const count = new DataView(pack.buffer, pack.byteOffset, pack.byteLength).getUint32(8);
  const end = pack.length - PACK_TRAILER_BYTES;
  let total = 0;
  let at = PACK_HEADER_BYTES;
  for (let i = 1; i <= count; i++) {
    const entry = readEntryHeader(pack, at, end, source);
    const what = `object ${i} of ${count} (${TYPE_NAMES[entry.type] ?? 'unknown'} at pack offset ${at})`;
    const over = (size: number, kind: string): StellaError =>
      new StellaError('LIMIT_EXCEEDED', `${source}: ${what} ${kind} ${size} bytes, over the limit of ${mib(maxObject)} per object; nothing was changed`, {
        data: { source, entry: i, offset: at, size },
      });
    if (entry.size > maxObject) throw over(entry.size, 'is');
    const { data, consumed } = inflateEntry(limits.inflate, pack.subarray(entry.dataAt, end), entry.size, `${source}: ${what}`);
    let size = entry.size;
    if (entry.type === OFS_DELTA || entry.type === REF_DELTA) {
      size = deltaResultSize(data, `${source}: ${what}`);
      if (size > maxObject) throw over(size, 'would become');
    }
    total += size;
    if (total > maxTotal) {
      throw new StellaError('LIMIT_EXCEEDED', `${source}: the pack's objects add up to more than ${mib(maxTotal)} inflated (at ${what}); nothing was changed`);
    }
    at = entry.dataAt + consumed;
  }
  if (at !== end) throw new StellaError('REPO_INVALID', `${source}: ${end - at} stray bytes after the pack's last object`);
}

/** Type, declared size and where the zlib data starts, for the entry at `at`. */
function readEntryHeader(pack: Uint8Array, offset: number, end: number, source: string): { type: number; size: number; dataAt: number } {
  let at = offset;
  let byte = byteAt(pack, at++, end, source);
  const type = (byte >> 4) & 7;
  let size = byte & 0x0f;
  let scale = 16;
  while (byte & 0x80) {
    byte = byteAt(pack, at++, end, source);
    size += (byte & 0x7f) * scale;
    scale *= 128;
    // Past 2^53 the number is no longer exact; any such size is far over every limit anyway.
    if (scale > 2 ** 53) size = Number.MAX_SAFE_INTEGER;
  }
  if (type === REF_DELTA) at += 20;
  else if (type === OFS_DELTA) while (byteAt(pack, at++, end, source) & 0x80);
  else if (type < 1 || type > 4) throw new StellaError('REPO_INVALID', `${source}: unknown object type ${type} at pack offset ${offset}`);
  if (at >= end) throw new StellaError('REPO_INVALID', `${source}: the pack ends inside an object header`);
  return { type, size, dataAt: at };
}

function byteAt(pack: Uint8Array, at: number, end: number, source: string): number {
  if (at >= end) throw new StellaError('REPO_INVALID', `${source}: the pack ends inside an object header`);
  return pack[at] as number;
}

function inflateEntry(inflate: MeasuredInflate, input: Uint8Array, size: number, what: string): { data: Uint8Array; consumed: number } {
  let result: { data: Uint8Array; consumed: number };
  try {
    // A zero cap means "no limit" to some inflaters: ask for one byte more and compare below.
    result = inflate(input, Math.max(size, 1));
  } catch (cause) {
    throw new StellaError('REPO_INVALID', `${what} does not inflate to the ${size} bytes its header declares (${(cause as Error).message})`, { cause });
  }
  if (result.data.length !== size) {
    throw new StellaError('REPO_INVALID', `${what} inflates to ${result.data.length} bytes, its header declares ${size}`);
  }
  return result;
}

/** A delta starts with two varints: the base's size and the result's. */
function deltaResultSize(delta: Uint8Array, what: string): number {
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

function mib(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}
