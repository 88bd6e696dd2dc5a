/**
 * Reading one ZIP entry, for untrusted input. Deflated data is inflated with
 * fflate's streaming inflater a slice at a time, so an entry whose real size
 * exceeds what its header declares — or a shared budget — is stopped after
 * one slice instead of after it has filled memory or spun the CPU (fflate's
 * `unzipSync` trusts the declared sizes). The size and CRC-32 the directory
 * declares are checked.
 *
 * An entry that cannot be read (encrypted, an unknown method such as LZMA,
 * damaged, over budget) gives its reason as a string: the caller skips it
 * and reads the rest. An entry whose local header names it differently from
 * the central directory is a forged archive: that is thrown as ZIP_INVALID.
 *
 * @example
 *   const data = await readZipEntry(source, entry, { where: 'app.jar', budget: { remaining: 1 << 20 } });
 *   if (typeof data === 'string') warnings.push(`${entry.name}: ${data}`);
 */
import { Inflate } from 'fflate';
import { StellaError } from '../../errors.js';
import { crc32 as jsCrc32 } from './crc32.js';
import type { ZipEntry } from './directory.js';
import type { ByteSource } from './source.js';

/**
 * Entry bytes still allowed to be read; shared by every read of one file so
 * nesting cannot multiply the work.
 *
 * @example
 *   const budget: InflateBudget = { remaining: 512 * 1024 * 1024 };
 */
export interface InflateBudget {
  remaining: number;
}

/** How to read entries of one archive. */
export interface ZipReadOptions {
  /** Names the archive in thrown errors. */
  where: string;
  /** Charged by each entry's size; an entry that does not fit is not read. */
  budget?: InflateBudget;
  /** A faster CRC-32 the runtime offers (the built-in one is table-driven JS). */
  crc32?: (bytes: Uint8Array) => number;
}

const LOCAL = 0x04034b50;
const LOCAL_HEADER = 30;
/** Input per inflate step: deflate expands at most ~1032×, so one step yields at most ~16 MiB. */
const INFLATE_SLICE = 16 * 1024;
/** Compressed bytes fetched from the source per read. */
const READ_SLICE = 1 << 20;

/**
 * Why an entry will not be read at all, before touching its data: encryption or an unsupported method.
 *
 * @example
 *   unreadable({ ...entry, method: 14 }); // 'compression method 14 is not supported'
 */
export function unreadable(entry: ZipEntry): string | undefined {
  if (entry.encrypted) return 'encrypted';
  if (entry.method !== 0 && entry.method !== 8) return `compression method ${entry.method} is not supported`;
  return undefined;
}

/**
 * The bytes of one entry, or why they cannot be had (see the module
 * comment). Every entry read is charged to the budget by its size.
 * Throws ZIP_INVALID when the local header names another file.
 */
export async function readZipEntry(source: ByteSource, entry: ZipEntry, options: ZipReadOptions): Promise<Uint8Array | string> {
  const problem = unreadable(entry);
  if (problem !== undefined) return problem;
  const start = await dataStart(source, entry, options.where);
  if (typeof start === 'string') return start;
  if (start + entry.compressedSize > source.size) return 'data runs past the end of the archive';
  const { budget } = options;
  // Stored entries cost no inflating, but charging them too bounds the work, not just the memory.
  if (budget !== undefined && entry.size > budget.remaining) return `reading ${entry.size} bytes would exceed the extraction budget`;
  let data: Uint8Array | string;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) return 'stored entry sizes disagree';
    data = await source.read(start, entry.size);
    if (data.byteLength !== entry.size) return 'data runs past the end of the archive';
  } else data = await inflateBounded(source, start, entry);
  if (typeof data === 'string') return data;
  if ((options.crc32 ?? jsCrc32)(data) !== entry.crc32) return 'CRC-32 mismatch (damaged data)';
  if (budget !== undefined) budget.remaining -= entry.size;
  return data;
}

/** Where the entry's data begins, after checking that its local header is one and names the same file. */
async function dataStart(source: ByteSource, entry: ZipEntry, where: string): Promise<number | string> {
  const local = entry.localOffset;
  if (local < 0 || local + LOCAL_HEADER > source.size) return 'local header is damaged';
  const header = await source.read(local, LOCAL_HEADER);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.byteLength < LOCAL_HEADER || view.getUint32(0, true) !== LOCAL) return 'local header is damaged';
  const nameLength = view.getUint16(26, true);
  const name = await source.read(local + LOCAL_HEADER, nameLength);
  if (!sameBytes(name, entry.nameBytes)) {
    const shown = new TextDecoder().decode(name).replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
    throw new StellaError('ZIP_INVALID', `${where}: entry '${entry.name.replace(/[^\x20-\x7e]/g, '?').slice(0, 200)}' is named '${shown}' in its local header (a forged archive); refused`);
  }
  return local + LOCAL_HEADER + nameLength + view.getUint16(28, true);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function inflateBounded(source: ByteSource, start: number, entry: ZipEntry): Promise<Uint8Array | string> {
  const declared = entry.size;
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
    if (entry.compressedSize === 0) inflater.push(new Uint8Array(0), true);
    for (let at = 0; at < entry.compressedSize && problem === undefined; ) {
      const data = await source.read(start + at, Math.min(READ_SLICE, entry.compressedSize - at));
      if (data.byteLength === 0) return 'data runs past the end of the archive';
      for (let slice = 0; slice < data.byteLength && problem === undefined; slice += INFLATE_SLICE) {
        const last = at + slice + INFLATE_SLICE >= entry.compressedSize;
        inflater.push(data.subarray(slice, slice + INFLATE_SLICE), last);
      }
      at += data.byteLength;
    }
  } catch (error) {
    return `deflate data is damaged (${error instanceof Error ? error.message : String(error)})`;
  }
  if (problem !== undefined) return problem;
  if (written !== declared) return `inflates to ${written} bytes, its header declares ${declared}`;
  return out;
}
