/**
 * Our own `git index-pack` over a spooled pack: entries scanned and held to
 * the limits (`pack-entries.ts`), deltas resolved (`pack-resolve.ts`), a
 * thin pack completed by appending the bases it lacks from the repository
 * as whole objects (`--fix-thin`: new object count, new trailer), and the
 * `.idx` written (`pack-index-write.ts`). Memory holds the entry table and
 * at most a few objects, never the pack.
 *
 * @example
 *   const { checksum, idx, oids } = await indexSpooledPack(spool, limits, 'nightly.bundle', localObject);
 */
import { StellaError } from '../errors.js';
import { hexEncode } from '../sign/encoding.js';
import { scanEntries, OBJECT_TYPES, type PackEntry } from './pack-entries.js';
import { encodeObjectEntry, PACK_TRAILER_BYTES, type PackObjectType } from './pack-file.js';
import { writePackIndex } from './pack-index-write.js';
import { SpoolCursor } from './pack-inflate.js';
import type { PackLimits } from './pack-limits.js';
import { resolveDeltas } from './pack-resolve.js';
import type { PackSpool } from './pack-spool.js';
import { crc32, Sha1 } from './sha1.js';

/** Reads an object of the repository (a thin pack's missing base); undefined when it is not there. */
export type LocalObjects = (oid: string) => Promise<{ type: PackObjectType; content: Uint8Array } | undefined>;

export interface IndexedPack {
  /** The pack's trailer (hex) after completion: its name is `pack-<checksum>`. */
  checksum: string;
  idx: Uint8Array;
  oids: string[];
  /** Bases appended from the repository. */
  completed: number;
}

const READ_BYTES = 1 << 20;

/**
 * Indexes the pack in `spool` (its trailer already checked by
 * `receivePack`), completing it from `local` when it is thin. The spool is
 * changed in place when objects are appended.
 */
export async function indexSpooledPack(spool: PackSpool, limits: PackLimits, source: string, local: LocalObjects | undefined): Promise<IndexedPack> {
  const entries = await scanEntries(spool, limits, source);
  const cursor = new SpoolCursor(spool, spool.size - PACK_TRAILER_BYTES);
  let completed = 0;
  const external = async (oid: string): Promise<PackEntry | undefined> => {
    const object = await local?.(oid);
    if (object === undefined) return undefined;
    if (completed++ === 0) await spool.truncate(spool.size - PACK_TRAILER_BYTES);
    const { bytes, headerLength } = await encodeObjectEntry(object.type, object.content);
    const offset = spool.size;
    await spool.append(bytes);
    cursor.reset(spool.size);
    const type = OBJECT_TYPES.indexOf(object.type);
    const id = hexEncode(new Sha1().update(new TextEncoder().encode(`${object.type} ${object.content.length}\0`)).update(object.content).digest());
    if (id !== oid) throw new StellaError('REPO_INVALID', `${source}: the repository's object ${oid} hashes to ${id}`);
    return { number: entries.length + 1, offset, type, size: object.content.length, dataAt: offset + headerLength, end: spool.size, crc: crc32(0, bytes), oid, objectType: type };
  };
  await resolveDeltas(entries, { cursor, inflaters: limits, source, external });
  if (completed > 0) await rewriteTrailer(spool, entries.length);
  const checksum = await spool.read(spool.size - PACK_TRAILER_BYTES, PACK_TRAILER_BYTES);
  const idx = writePackIndex(
    entries.map((e) => ({ oid: e.oid as string, offset: e.offset, crc: e.crc })),
    checksum,
  );
  return { checksum: hexEncode(checksum), idx, oids: entries.map((e) => e.oid as string), completed };
}

/** After objects were appended: the new count in the header, and a trailer over the whole pack again. */
async function rewriteTrailer(spool: PackSpool, count: number): Promise<void> {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, count);
  await spool.write(8, header);
  const hash = new Sha1();
  for (let at = 0; at < spool.size; ) {
    const bytes = await spool.read(at, Math.min(READ_BYTES, spool.size - at));
    hash.update(bytes);
    at += bytes.length;
  }
  await spool.append(hash.digest());
}
