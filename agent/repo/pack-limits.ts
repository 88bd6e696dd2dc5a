/**
 * The size limits every pack from outside is held to (a bundle, a fetch),
 * with Node's zlib as the inflater `core/git/pack-limits.ts` needs: it says
 * where a zlib stream ends, and `maxOutputLength` caps what one entry may
 * inflate to, so a header that understates a size cannot make it grow.
 *
 * @example await importBundle(store, bytes, { source: file, limits: packLimits });
 */
import { inflateSync } from 'node:zlib';
import { StellaError } from '../../core/errors.js';
import type { MeasuredInflate, PackLimits } from '../../core/git/pack-limits.js';

/**
 * Inflates the zlib stream at the start of `input`, at most `maxOutput` bytes.
 * @example nodeMeasuredInflate(entryBytes, declaredSize).consumed
 */
export const nodeMeasuredInflate: MeasuredInflate = (input, maxOutput) => {
  // `info` adds the engine, whose bytesWritten is the input the stream took; Node's typings omit it.
  const result: unknown = inflateSync(input, { info: true, maxOutputLength: maxOutput });
  if (!isInfoResult(result)) throw new StellaError('INTERNAL', 'zlib.inflateSync with { info: true } did not report the input it consumed');
  return { data: result.buffer, consumed: result.engine.bytesWritten };
};

function isInfoResult(value: unknown): value is { buffer: Uint8Array; engine: { bytesWritten: number } } {
  if (typeof value !== 'object' || value === null || !('buffer' in value) || !('engine' in value)) return false;
  const { buffer, engine } = value;
  return buffer instanceof Uint8Array && typeof engine === 'object' && engine !== null && 'bytesWritten' in engine && typeof engine.bytesWritten === 'number';
}

/** The default limits (core's constants) with Node's inflater. */
export const packLimits: PackLimits = { inflate: nodeMeasuredInflate };
