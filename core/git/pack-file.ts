/**
 * Byte-level work on Git packfiles and their v2 indexes that isomorphic-git
 * does not expose: writing a pack of whole objects and REF_DELTAs (a push's
 * thin pack), checking the SHA-1 trailer, joining packs, reading an index,
 * and encoding one whole object as an entry (what completing a thin pack
 * appends: `pack-indexer.ts`).
 * Web-standard APIs only (Web Crypto; `zlib-deflate.ts` compresses).
 *
 * Layout: "PACK", version, object count (big-endian u32 each); per object a
 * type-and-size header (varint), a base (20-byte id for REF_DELTA, a
 * negative offset for OFS_DELTA), zlib data; a SHA-1 of everything before it.
 *
 * @example
 *   const pack = await writePack([{ type: 'blob', data }, { type: 'ref-delta', base, data: delta }]);
 *   const info = await verifyPack(pack, 'nightly.bundle');
 *   const joined = await concatPacks([partA, partB]);
 */
import { StellaError } from '../errors.js';
import { bufferSource, hexEncode } from '../sign/encoding.js';
import { deflateZlib } from './zlib-deflate.js';

export const PACK_HEADER_BYTES = 12;
export const PACK_TRAILER_BYTES = 20;

export type PackObjectType = 'commit' | 'tree' | 'blob' | 'tag';

/**
 * How a pack is written, for a caller that shares its thread (the edge):
 * `storedBelow` sends smaller entries as stored zlib blocks (valid zlib that
 * any reader inflates; a JavaScript deflater's set-up costs more than
 * compressing a few kilobytes saves on the wire), and `pause` is awaited
 * between groups of entries so other work gets the thread.
 */
export interface PackWriteOptions {
  storedBelow?: number;
  pause?: () => Promise<void>;
}

/** Entries encoded between two `pause` calls. */
const ENTRIES_PER_PAUSE = 16;

/** What `writePack` takes: a whole object, or a delta against an object the receiver has. */
export type PackInput = { type: PackObjectType; data: Uint8Array } | { type: 'ref-delta'; base: string; data: Uint8Array };

const TYPE_NUMBERS: Record<PackInput['type'], number> = { commit: 1, tree: 2, blob: 3, tag: 4, 'ref-delta': 7 };
const OBJ_REF_DELTA = 7;

export interface PackInfo {
  version: number;
  objects: number;
  /** The trailer, hex: git names a pack `pack-<checksum>.pack`. */
  checksum: string;
}

/**
 * Checks the pack's signature, version and SHA-1 trailer before anything
 * trusts its contents. Throws REPO_INVALID (not a pack, truncated) or
 * DIGEST_MISMATCH (trailer does not match the bytes).
 *
 * @example const { objects } = await verifyPack(pack, 'x.bundle');
 */
export async function verifyPack(pack: Uint8Array, source: string): Promise<PackInfo> {
  if (pack.length < PACK_HEADER_BYTES + PACK_TRAILER_BYTES) {
    throw new StellaError('REPO_INVALID', `${source}: the pack is ${pack.length} bytes, too short to be a packfile (truncated?)`);
  }
  if (pack[0] !== 0x50 || pack[1] !== 0x41 || pack[2] !== 0x43 || pack[3] !== 0x4b) {
    throw new StellaError('REPO_INVALID', `${source}: the data after the bundle header is not a packfile (no 'PACK' signature)`);
  }
  const view = new DataView(pack.buffer, pack.byteOffset, pack.byteLength);
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) throw new StellaError('REPO_INVALID', `${source}: unsupported pack version ${version}`);
  const objects = view.getUint32(8);
  const body = pack.subarray(0, pack.length - PACK_TRAILER_BYTES);
  const stored = hexEncode(pack.subarray(pack.length - PACK_TRAILER_BYTES));
  const actual = await sha1Hex(body);
  if (stored !== actual) {
    throw new StellaError('DIGEST_MISMATCH', `${source}: pack checksum mismatch (trailer ${stored.slice(0, 12)}…, content hashes to ${actual.slice(0, 12)}…): the file is damaged or truncated`, {
      data: { stored, actual },
    });
  }
  // Every entry takes at least a header byte and a minimal zlib stream (8 bytes).
  if (objects * 9 > body.length - PACK_HEADER_BYTES) {
    throw new StellaError('REPO_INVALID', `${source}: the pack claims ${objects} objects in ${body.length} bytes`);
  }
  return { version, objects, checksum: stored };
}

/**
 * A pack of the given objects, in order. A REF_DELTA whose base the receiver
 * already has makes it "thin" — the normal way to push, accepted by every
 * smart-HTTP server that does not say `no-thin`.
 *
 * @example const pack = await writePack([{ type: 'blob', data }], { storedBelow: 8192 });
 */
export async function writePack(objects: readonly PackInput[], options: PackWriteOptions = {}): Promise<Uint8Array> {
  const storedBelow = options.storedBelow ?? 0;
  const entries: Uint8Array[] = [];
  for (let at = 0; at < objects.length; at += ENTRIES_PER_PAUSE) {
    if (at > 0) await options.pause?.();
    const group = objects.slice(at, at + ENTRIES_PER_PAUSE);
    entries.push(...(await Promise.all(group.map((object) => encodeEntry(object.type, object.data, object.type === 'ref-delta' ? object.base : undefined, object.data.length < storedBelow)))));
  }
  let length = PACK_HEADER_BYTES + PACK_TRAILER_BYTES;
  for (const entry of entries) length += entry.length;
  const out = new Uint8Array(length);
  writePackHeader(out, objects.length);
  let offset = PACK_HEADER_BYTES;
  for (const entry of entries) {
    out.set(entry, offset);
    offset += entry.length;
  }
  out.set(await sha1(out.subarray(0, offset)), offset);
  return out;
}

/**
 * Git's id of an object: SHA-1 of `<type> <size>\0` and the content.
 * @example await objectId('blob', new TextEncoder().encode('hi\n')) // '45b983be…'
 */
export async function objectId(type: PackObjectType, data: Uint8Array): Promise<string> {
  const header = new TextEncoder().encode(`${type} ${data.length}\0`);
  const whole = new Uint8Array(header.length + data.length);
  whole.set(header, 0);
  whole.set(data, header.length);
  return sha1Hex(whole);
}

/**
 * One pack holding the objects of several complete packs, in order. The
 * parts' entries are copied as they are, so they must not use offset deltas
 * across parts (isomorphic-git's `packObjects` writes no deltas at all).
 *
 * @example const pack = await concatPacks(await Promise.all(chunks.map(packChunk)));
 */
export async function concatPacks(parts: readonly Uint8Array[]): Promise<Uint8Array> {
  let count = 0;
  let length = PACK_HEADER_BYTES + PACK_TRAILER_BYTES;
  for (const part of parts) {
    count += new DataView(part.buffer, part.byteOffset, part.byteLength).getUint32(8);
    length += part.length - PACK_HEADER_BYTES - PACK_TRAILER_BYTES;
  }
  const out = new Uint8Array(length);
  writePackHeader(out, count);
  let offset = PACK_HEADER_BYTES;
  for (const part of parts) {
    const entries = part.subarray(PACK_HEADER_BYTES, part.length - PACK_TRAILER_BYTES);
    out.set(entries, offset);
    offset += entries.length;
  }
  out.set(await sha1(out.subarray(0, offset)), offset);
  return out;
}

export interface PackIndex {
  /** Object ids, sorted. */
  oids: string[];
  /** Pack offset of each object, same order as `oids`. */
  offsets: number[];
}

/**
 * Reads a version 2 `.idx` file (the format isomorphic-git and git write).
 *
 * @example const { oids, offsets } = parsePackIndex(await ops.readFile(idxPath), idxPath);
 */
export function parsePackIndex(idx: Uint8Array, source: string): PackIndex {
  const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  if (idx.length < 8 + 1024 + 40 || view.getUint32(0) !== 0xff744f63 || view.getUint32(4) !== 2) {
    throw new StellaError('REPO_INVALID', `${source}: not a version 2 pack index`);
  }
  const count = view.getUint32(8 + 255 * 4);
  const namesAt = 8 + 1024;
  const offsetsAt = namesAt + count * 24;
  const largeAt = offsetsAt + count * 4;
  if (largeAt + 40 > idx.length) throw new StellaError('REPO_INVALID', `${source}: pack index is truncated`);
  const oids: string[] = new Array<string>(count);
  const offsets: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    oids[i] = hexEncode(idx.subarray(namesAt + i * 20, namesAt + i * 20 + 20));
    const small = view.getUint32(offsetsAt + i * 4);
    if (small & 0x80000000) {
      const at = largeAt + (small & 0x7fffffff) * 8;
      offsets[i] = view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
    } else {
      offsets[i] = small;
    }
  }
  return { oids, offsets };
}

/**
 * One whole object as a pack entry (header and zlib data), and how long its header is.
 * @example const { bytes } = await encodeObjectEntry('blob', content);
 */
export async function encodeObjectEntry(type: PackObjectType, content: Uint8Array): Promise<{ bytes: Uint8Array; headerLength: number }> {
  const bytes = await encodeEntry(type, content, undefined, false);
  let headerLength = 1;
  while ((bytes[headerLength - 1] as number) & 0x80) headerLength++;
  return { bytes, headerLength };
}

async function encodeEntry(type: PackInput['type'], content: Uint8Array, base: string | undefined, stored: boolean): Promise<Uint8Array> {
  const header: number[] = [];
  let size = content.length;
  let byte = (TYPE_NUMBERS[type] << 4) | (size & 0x0f);
  size = Math.floor(size / 16);
  while (size > 0) {
    header.push(byte | 0x80);
    byte = size & 0x7f;
    size = Math.floor(size / 128);
  }
  header.push(byte);
  if (base !== undefined) for (let i = 0; i < 40; i += 2) header.push(Number.parseInt(base.slice(i, i + 2), 16));
  const compressed = await deflateZlib(content, stored);
  const out = new Uint8Array(header.length + compressed.length);
  out.set(header, 0);
  out.set(compressed, header.length);
  return out;
}

function writePackHeader(out: Uint8Array, count: number): void {
  out.set([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2], 0);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(8, count);
}

async function sha1(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-1', bufferSource(bytes)));
}

async function sha1Hex(bytes: Uint8Array): Promise<string> {
  return hexEncode(await sha1(bytes));
}
