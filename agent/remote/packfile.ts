/**
 * Reading and writing Git packfiles (version 2): the container both push and
 * fetch move objects in.
 *
 * - `writePack` builds a pack of whole objects and REF_DELTAs. A REF_DELTA
 *   whose base the receiver already has makes the pack "thin" — the normal
 *   way to push, accepted by every smart-HTTP server that does not say
 *   `no-thin`.
 * - `scanPack` walks a received pack's entries without resolving them, and
 *   `completeThinPack` appends the whole bases that thin deltas refer to
 *   (what `git index-pack --fix-thin` does), so the stored pack stands on
 *   its own and native git can read it.
 *
 * Layout: "PACK", version, object count (big-endian u32 each); per object a
 * type-and-size header (varint), a base (20-byte id for REF_DELTA, a
 * negative offset for OFS_DELTA), zlib data; a SHA-1 of everything before it.
 *
 * @example
 *   const pack = writePack([{ type: 'blob', data }, { type: 'ref-delta', base, data: delta }]);
 *   const { entries } = scanPack(pack);
 */
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { StellaError } from '../../core/errors.js';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';
export type PackInput = { type: ObjectType; data: Uint8Array } | { type: 'ref-delta'; base: string; data: Uint8Array };

export interface PackEntry {
  offset: number;
  type: ObjectType | 'ofs-delta' | 'ref-delta';
  /** Base object id of a REF_DELTA. */
  base?: string;
  /** Id of a whole object (not of a delta's result, which needs its base). */
  oid?: string;
}

const TYPE_CODES: Record<PackInput['type'] | 'ofs-delta', number> = { commit: 1, tree: 2, blob: 3, tag: 4, 'ofs-delta': 6, 'ref-delta': 7 };
const TYPE_NAMES = new Map<number, PackEntry['type']>([
  [1, 'commit'],
  [2, 'tree'],
  [3, 'blob'],
  [4, 'tag'],
  [6, 'ofs-delta'],
  [7, 'ref-delta'],
]);

/** A pack of the given objects, in order. @example writePack([{ type: 'blob', data }]) */
export function writePack(objects: readonly PackInput[]): Uint8Array {
  const parts: Uint8Array[] = [header(objects.length)];
  for (const object of objects) {
    parts.push(objectHeader(TYPE_CODES[object.type], object.data.length));
    if (object.type === 'ref-delta') parts.push(Buffer.from(object.base, 'hex'));
    parts.push(deflateSync(object.data));
  }
  return seal(parts);
}

/**
 * The entries of a pack, checked against its trailing checksum; whole objects get their ids.
 *
 * @example const thinBases = scanPack(pack).entries.flatMap((e) => (e.base ? [e.base] : []));
 */
export function scanPack(pack: Uint8Array, where = 'pack'): { count: number; entries: PackEntry[] } {
  const bytes = Buffer.from(pack.buffer, pack.byteOffset, pack.byteLength);
  if (bytes.length < 32 || bytes.toString('latin1', 0, 4) !== 'PACK') throw new StellaError('REPO_INVALID', `${where}: not a Git pack`);
  const version = bytes.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw new StellaError('REPO_INVALID', `${where}: unsupported pack version ${version}`);
  const body = bytes.subarray(0, bytes.length - 20);
  if (!createHash('sha1').update(body).digest().equals(bytes.subarray(bytes.length - 20))) {
    throw new StellaError('REPO_INVALID', `${where}: checksum mismatch (damaged in transit)`);
  }
  const count = bytes.readUInt32BE(8);
  const entries: PackEntry[] = [];
  let at = 12;
  for (let i = 0; i < count; i++) {
    const offset = at;
    let byte = bytes[at++] as number;
    const type = TYPE_NAMES.get((byte >> 4) & 7);
    if (type === undefined) throw new StellaError('REPO_INVALID', `${where}: unknown object type ${(byte >> 4) & 7} at offset ${offset}`);
    let size = byte & 0x0f;
    let shift = 4;
    while (byte & 0x80) {
      byte = bytes[at++] as number;
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    const entry: PackEntry = { offset, type };
    if (type === 'ref-delta') {
      entry.base = bytes.toString('hex', at, at + 20);
      at += 20;
    } else if (type === 'ofs-delta') {
      do byte = bytes[at++] as number;
      while (byte & 0x80);
    }
    if (at >= body.length) throw new StellaError('REPO_INVALID', `${where}: object ${i + 1} of ${count} runs past the end`);
    const { buffer, engine } = inflateSync(body.subarray(at), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    if (buffer.length !== size) throw new StellaError('REPO_INVALID', `${where}: object at offset ${offset} inflates to ${buffer.length} bytes, header says ${size}`);
    if (type !== 'ref-delta' && type !== 'ofs-delta') entry.oid = objectId(type, buffer);
    at += engine.bytesWritten;
    entries.push(entry);
  }
  if (at !== body.length) throw new StellaError('REPO_INVALID', `${where}: ${body.length - at} stray bytes after the last object`);
  return { count, entries };
}

/**
 * The pack with `bases` appended as whole objects and its count and checksum updated.
 *
 * @example const standalone = completeThinPack(thin, [{ type: 'tree', data: oldTree }]);
 */
export function completeThinPack(pack: Uint8Array, bases: readonly { type: ObjectType; data: Uint8Array }[]): Uint8Array {
  if (bases.length === 0) return pack;
  const bytes = Buffer.from(pack.buffer, pack.byteOffset, pack.byteLength);
  const count = bytes.readUInt32BE(8) + bases.length;
  const parts: Uint8Array[] = [header(count), bytes.subarray(12, bytes.length - 20)];
  for (const base of bases) parts.push(objectHeader(TYPE_CODES[base.type], base.data.length), deflateSync(base.data));
  return seal(parts);
}

/** Git's id of an object. @example objectId('blob', new TextEncoder().encode('hi\n')) // '45b983be…' */
export function objectId(type: ObjectType, data: Uint8Array): string {
  return createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest('hex');
}

function header(count: number): Uint8Array {
  const out = Buffer.alloc(12);
  out.write('PACK', 0, 'latin1');
  out.writeUInt32BE(2, 4);
  out.writeUInt32BE(count, 8);
  return out;
}

function objectHeader(type: number, size: number): Uint8Array {
  const out: number[] = [];
  let byte = (type << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    out.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  out.push(byte);
  return Uint8Array.from(out);
}

function seal(parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return Buffer.concat([...parts, hash.digest()]);
}
