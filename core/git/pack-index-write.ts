/**
 * Writing a version 2 pack index (`.idx`), byte for byte what `git
 * index-pack` writes for the same pack: magic and version, a 256-entry
 * fan-out table (how many ids start with a byte ≤ i), the sorted ids, each
 * entry's CRC-32, 4-byte offsets — with the high bit set, an index into a
 * table of 8-byte offsets for entries past 2 GiB — then the pack's checksum
 * and the SHA-1 of everything before.
 *
 * @example const idx = writePackIndex(entries.map(({ oid, offset, crc }) => ({ oid, offset, crc })), trailer);
 */
import { StellaError } from '../errors.js';
import { Sha1 } from './sha1.js';

export interface IndexedObject {
  oid: string;
  offset: number;
  crc: number;
}

/** Largest offset git stores in the 4-byte table. */
const OFF32_LIMIT = 0x7fffffff;

/**
 * The `.idx` bytes for a pack holding `objects`, whose trailer is `packChecksum`.
 * `off32Limit` moves smaller offsets to the 8-byte table too (git's
 * `--index-version=2,<limit>`, for tests).
 *
 * @example const idx = writePackIndex(objects, checksum);
 */
export function writePackIndex(objects: readonly IndexedObject[], packChecksum: Uint8Array, off32Limit = OFF32_LIMIT): Uint8Array {
  const sorted = [...objects].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const n = sorted.length;
  const large = sorted.filter((o) => o.offset > off32Limit || o.offset >= 2 ** 31).length;
  const out = new Uint8Array(8 + 1024 + n * 28 + large * 8 + 40);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xff744f63);
  view.setUint32(4, 2);
  const namesAt = 8 + 1024;
  const crcsAt = namesAt + n * 20;
  const offsetsAt = crcsAt + n * 4;
  let largeAt = offsetsAt + n * 4;
  let largeIndex = 0;
  const fanout = new Uint32Array(256);
  for (const [i, object] of sorted.entries()) {
    const id = oidBytes(object.oid);
    if (i > 0 && sorted[i - 1]?.oid === object.oid) throw new StellaError('REPO_INVALID', `object ${object.oid} appears twice in the pack`);
    fanout[id[0] as number] = (fanout[id[0] as number] as number) + 1;
    out.set(id, namesAt + i * 20);
    view.setUint32(crcsAt + i * 4, object.crc >>> 0);
    if (object.offset > off32Limit || object.offset >= 2 ** 31) {
      view.setUint32(offsetsAt + i * 4, (0x80000000 | largeIndex++) >>> 0);
      view.setUint32(largeAt, Math.floor(object.offset / 2 ** 32));
      view.setUint32(largeAt + 4, object.offset >>> 0);
      largeAt += 8;
    } else {
      view.setUint32(offsetsAt + i * 4, object.offset);
    }
  }
  let running = 0;
  for (let i = 0; i < 256; i++) {
    running += fanout[i] as number;
    view.setUint32(8 + i * 4, running);
  }
  out.set(packChecksum, largeAt);
  out.set(new Sha1().update(out.subarray(0, largeAt + 20)).digest(), largeAt + 20);
  return out;
}

function oidBytes(oid: string): Uint8Array {
  if (!/^[0-9a-f]{40}$/.test(oid)) throw new StellaError('INTERNAL', `not an object id: ${oid}`);
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) out[i] = Number.parseInt(oid.slice(i * 2, i * 2 + 2), 16);
  return out;
}
