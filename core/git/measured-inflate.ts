/**
 * The inflater the pack limits need (`MeasuredInflate`: the bytes
 * of one zlib stream at the start of the input, and how much input it took)
 * without Node's zlib. fflate inflates, but does not say where the stream
 * ended; a zlib stream ends with the Adler-32 of its output, so the end is
 * the first place that checksum appears at which the stream, cut there,
 * inflates whole. A cut before the true end fails as truncated, so a chance
 * earlier match of the four bytes is skipped, never taken.
 *
 * @example
 *   const { data, consumed } = fflateMeasuredInflate(packEntry, declaredSize);
 */
import { inflateSync } from 'fflate';
import type { MeasuredInflate, PackLimits } from './pack-limits.js';
import { StellaError } from '../errors.js';

/**
 * Inflates the zlib stream at the start of `input`, at most `maxOutput` bytes (one more when the stream holds more, so the caller sees it is too long).
 * @example fflateMeasuredInflate(bytes, 1024).consumed
 */
export const fflateMeasuredInflate: MeasuredInflate = (input, maxOutput) => {
  if (input.length < 6 || ((input[0] as number) * 256 + (input[1] as number)) % 31 !== 0 || ((input[0] as number) & 0x0f) !== 8) {
    throw new StellaError('REPO_INVALID', 'not a zlib stream');
  }
  const deflated = input.subarray(2);
  const data = inflateSync(deflated, { out: new Uint8Array(maxOutput + 1) });
  if (data.length > maxOutput) return { data, consumed: input.length };
  const sum = adler32(data);
  for (let at = indexOf(input, sum, 2); at !== -1; at = indexOf(input, sum, at + 1)) {
    if (inflatesWhole(deflated.subarray(0, at - 2), data.length)) return { data, consumed: at + 4 };
  }
  throw new StellaError('REPO_INVALID', 'the zlib stream has no matching Adler-32 trailer');
};

/** Core's default pack limits with this inflater (the Worker's: no Node zlib there). */
export const fflatePackLimits: PackLimits = { inflate: fflateMeasuredInflate };

function inflatesWhole(deflated: Uint8Array, size: number): boolean {
  try {
    return inflateSync(deflated, { out: new Uint8Array(size + 1) }).length === size;
  } catch {
    return false;
  }
}

function adler32(data: Uint8Array): Uint8Array {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    // 5552 bytes is the most that can be summed before the 32-bit sums must be reduced.
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i] as number;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return new Uint8Array([b >>> 8, b & 0xff, a >>> 8, a & 0xff]);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const last = haystack.length - needle.length;
  outer: for (let i = from; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
