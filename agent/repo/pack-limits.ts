/**
 * The size limits every pack from outside is held to (a bundle, a fetch),
 * with what core's indexer needs from Node: zlib inflaters that say where a
 * zlib stream ends (`inflateSync` with `info` for small entries, capped by
 * `maxOutputLength` so a header that understates a size cannot make it
 * grow; a `createInflate` stream, fed a block at a time, for large ones)
 * and a file to spool the pack in (`pack-spool.ts`).
 *
 * @example await importBundle(store, chunks, { source: file, limits: packLimits });
 */
import { createInflate, inflateSync } from 'node:zlib';
import { StellaError } from '../../core/errors.js';
import type { MeasuredInflate, OpenInflateStream, PackLimits } from '../../core/git/pack-limits.js';
import { fileSpool } from './pack-spool.js';

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

/**
 * A zlib stream fed piece by piece. Node's inflate stream counts in
 * `bytesWritten` the input zlib actually took, and stops taking input at
 * the end of the zlib stream: so after a write, `bytesWritten` short of
 * what was written means the stream ended inside that write; a stream
 * that ends exactly at the last byte written shows it at `finish`.
 *
 * @example const inflater = nodeInflateStream(); const { output, used } = await inflater.push(block);
 */
export const nodeInflateStream: OpenInflateStream = () => {
  const zlib = createInflate({ chunkSize: 1 << 16 });
  let output: Uint8Array[] = [];
  let failure: Error | undefined;
  let written = 0;
  zlib.on('data', (chunk: Buffer) => output.push(chunk));
  zlib.on('error', (error: Error) => {
    failure = error;
  });
  return {
    push: async (input) => {
      written += input.length;
      await new Promise<void>((resolve, reject) => {
        zlib.write(input, (error) => (error ? reject(error) : resolve()));
      });
      // Output pushed while that write was processed reaches 'data' on the next ticks.
      await new Promise((resolve) => setImmediate(resolve));
      if (failure !== undefined) throw failure;
      const out = output;
      output = [];
      const unused = written - zlib.bytesWritten;
      return { output: out, used: unused > 0 ? input.length - unused : undefined };
    },
    finish: async () => {
      await new Promise<void>((resolve, reject) => {
        zlib.once('end', resolve);
        zlib.once('error', reject);
        zlib.end();
      });
      if (failure !== undefined) throw failure;
      const out = output;
      output = [];
      return out;
    },
    close: () => {
      zlib.destroy();
    },
  };
};

/** The default limits (core's constants) with Node's inflaters and a file spool. */
export const packLimits: PackLimits = { inflate: nodeMeasuredInflate, inflateStream: nodeInflateStream, spool: fileSpool };
