import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodeMeasuredInflate } from '../../test/helpers/pack-limits.js';
import { fflateMeasuredInflate } from './measured-inflate.js';

/** Deterministic pseudo-random bytes, some compressible, some not. */
function sample(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = i % 7 === 0 ? x >>> 24 : 97 + (i % 13);
  }
  return out;
}

describe('fflateMeasuredInflate', () => {
  it('finds where each zlib stream ends, as Node zlib does, with more bytes after it', () => {
    for (const [seed, length] of [[1, 0], [2, 1], [3, 100], [4, 5000], [5, 70_000]] as const) {
      const data = sample(seed, length);
      const stream = deflateSync(data, { level: seed % 10 });
      const input = new Uint8Array([...stream, ...sample(seed + 100, 64)]);
      const ours = fflateMeasuredInflate(input, length);
      const node = nodeMeasuredInflate(input, Math.max(length, 1));
      expect(ours.consumed).toBe(node.consumed);
      expect(ours.consumed).toBe(stream.length);
      expect(Buffer.from(ours.data).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('gives one byte more than allowed for a stream that inflates past the cap, and refuses what is not zlib', () => {
    const stream = deflateSync(sample(9, 1000));
    expect(fflateMeasuredInflate(stream, 100).data.length).toBe(101);
    expect(() => fflateMeasuredInflate(new Uint8Array([1, 2, 3, 4, 5, 6, 7]), 10)).toThrow(/zlib/);
    expect(() => fflateMeasuredInflate(stream.subarray(0, stream.length - 6), 1000)).toThrow();
  });
});
