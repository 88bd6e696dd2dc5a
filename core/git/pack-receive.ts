/**
 * Receiving a pack from outside into a spool as it arrives — never joined
 * in memory — hashing it on the way (the last 20 bytes are the trailer, so
 * hashing runs 20 bytes behind), and refusing it as soon as it passes the
 * per-pack limit. At the end the signature, version, object count and SHA-1
 * trailer are checked, with the messages `verifyPack` gives for a pack in
 * memory.
 *
 * @example
 *   const info = await receivePack(chunks, spool, limits, 'nightly.bundle');
 *   info.objects; // entries to index
 */
import { StellaError } from '../errors.js';
import { hexEncode } from '../sign/encoding.js';
import { PACK_HEADER_BYTES, PACK_TRAILER_BYTES, type PackInfo } from './pack-file.js';
import { MAX_PACK_BYTES, mib, type PackLimits } from './pack-limits.js';
import type { PackSpool } from './pack-spool.js';
import { Sha1 } from './sha1.js';

/** Bytes a pack arrives in: one array, or pieces (a file read in blocks, a response body). */
export type PackInput = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Appends the pack from `input` to `spool` (empty) and checks it. Throws
 * LIMIT_EXCEEDED past the pack limit (nothing more is read), REPO_INVALID
 * for what is not a pack or is cut short, DIGEST_MISMATCH for a trailer
 * that does not match the bytes.
 */
export async function receivePack(input: PackInput, spool: PackSpool, limits: PackLimits, source: string): Promise<PackInfo> {
  const maxPack = limits.maxPackBytes ?? MAX_PACK_BYTES;
  const hash = new Sha1();
  let held = new Uint8Array(0);
  let header: PackHeader | undefined;
  for await (const chunk of input instanceof Uint8Array ? [input] : input) {
    if (chunk.length === 0) continue;
    if (spool.size + chunk.length > maxPack) {
      throw new StellaError('LIMIT_EXCEEDED', `${source}: the pack is more than ${maxPack} bytes, over the limit of ${mib(maxPack)} per pack; nothing was changed`);
    }
    await spool.append(chunk);
    // Everything but the last 20 bytes seen so far is hashed.
    if (chunk.length >= PACK_TRAILER_BYTES) {
      hash.update(held);
      hash.update(chunk.subarray(0, chunk.length - PACK_TRAILER_BYTES));
      held = chunk.slice(chunk.length - PACK_TRAILER_BYTES);
    } else {
      const joined = concat2(held, chunk);
      hash.update(joined.subarray(0, Math.max(0, joined.length - PACK_TRAILER_BYTES)));
      held = joined.slice(Math.max(0, joined.length - PACK_TRAILER_BYTES));
    }
    if (header === undefined && spool.size >= PACK_HEADER_BYTES) header = readHeader(await spool.read(0, PACK_HEADER_BYTES), source);
  }
  const size = spool.size;
  if (size < PACK_HEADER_BYTES + PACK_TRAILER_BYTES || header === undefined) {
    throw new StellaError('REPO_INVALID', `${source}: the pack is ${size} bytes, too short to be a packfile (truncated?)`);
  }
  const stored = hexEncode(held);
  const actual = hexEncode(hash.digest());
  if (stored !== actual) {
    throw new StellaError('DIGEST_MISMATCH', `${source}: pack checksum mismatch (trailer ${stored.slice(0, 12)}…, content hashes to ${actual.slice(0, 12)}…): the file is damaged or truncated`, {
      data: { stored, actual },
    });
  }
  // Every entry takes at least a header byte and a minimal zlib stream (8 bytes).
  if (header.objects * 9 > size - PACK_TRAILER_BYTES - PACK_HEADER_BYTES) {
    throw new StellaError('REPO_INVALID', `${source}: the pack claims ${header.objects} objects in ${size - PACK_TRAILER_BYTES} bytes`);
  }
  return { version: header.version, objects: header.objects, checksum: stored };
}

interface PackHeader {
  version: number;
  objects: number;
}

function readHeader(bytes: Uint8Array, source: string): PackHeader {
  if (bytes[0] !== 0x50 || bytes[1] !== 0x41 || bytes[2] !== 0x43 || bytes[3] !== 0x4b) {
    throw new StellaError('REPO_INVALID', `${source}: the data after the bundle header is not a packfile (no 'PACK' signature)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) throw new StellaError('REPO_INVALID', `${source}: unsupported pack version ${version}`);
  return { version, objects: view.getUint32(8) };
}

function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
