/**
 * Hand-made hostile zips for tests: fflate writes honest archives, and these
 * edit them the way an attacker would, at the byte level.
 */

const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_HEADER_BYTES = 46;
const EOCD_BYTES = 22;

/** Offset of the central-directory record of `name` in a zip fflate wrote. */
export function centralRecord(bytes: Uint8Array, name: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const target = new TextEncoder().encode(name);
  for (let at = 0; at + CENTRAL_HEADER_BYTES < bytes.byteLength; at++) {
    if (view.getUint32(at, true) !== CENTRAL_SIGNATURE) continue;
    const length = view.getUint16(at + 28, true);
    if (length === target.byteLength && bytes.subarray(at + CENTRAL_HEADER_BYTES, at + CENTRAL_HEADER_BYTES + length).every((b, i) => b === target[i])) return at;
  }
  throw new TypeError(`no central record for ${name}`);
}

/**
 * An overlap bomb: `one` (a zip of the single entry `name`) with its central
 * record repeated `copies` times, every copy pointing at the same local
 * entry. With `renameAt`, copy i gets the digit i % 10 at that index of its
 * name, so the names also differ from the local header's.
 */
export function overlapBomb(one: Uint8Array, name: string, copies: number, renameAt?: number): Uint8Array<ArrayBuffer> {
  const record = centralRecord(one, name);
  const eocd = one.byteLength - EOCD_BYTES;
  const recordLength = eocd - record;
  const out = new Uint8Array(record + copies * recordLength + EOCD_BYTES);
  out.set(one.subarray(0, record));
  for (let i = 0; i < copies; i++) {
    out.set(one.subarray(record, eocd), record + i * recordLength);
    if (renameAt !== undefined) out.set(new TextEncoder().encode(String(i % 10)), record + i * recordLength + CENTRAL_HEADER_BYTES + renameAt);
  }
  out.set(one.subarray(eocd), record + copies * recordLength);
  const view = new DataView(out.buffer);
  view.setUint16(out.byteLength - EOCD_BYTES + 8, copies, true);
  view.setUint16(out.byteLength - EOCD_BYTES + 10, copies, true);
  view.setUint32(out.byteLength - EOCD_BYTES + 12, copies * recordLength, true);
  view.setUint32(out.byteLength - EOCD_BYTES + 16, record, true);
  return out;
}
