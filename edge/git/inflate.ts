/**
 * The measured inflater core/git's pack limits need (`MeasuredInflate`),
 * for a Worker: Web `DecompressionStream` cannot say where one zlib stream
 * ends inside a pack, and Node's zlib is not there, so this uses pako —
 * the inflater isomorphic-git itself ships with — whose stream state says
 * how much input is left once the stream ends.
 *
 * @example await fetchPack(endpoint, store, { …, limits: workerPackLimits });
 */
import pako from 'pako';
import { StellaError } from '../../core/errors.js';
import type { MeasuredInflate, PackLimits } from '../../core/git/pack-limits.js';

/**
 * Inflates the zlib stream at the start of `input`, at most `maxOutput` bytes.
 * @example workerMeasuredInflate(entryBytes, declaredSize).consumed
 */
export const workerMeasuredInflate: MeasuredInflate = (input, maxOutput) => {
  const inflater = new pako.Inflate({ chunkSize: Math.min(Math.max(maxOutput, 64), 1 << 16) });
  const parts: Uint8Array[] = [];
  let size = 0;
  inflater.onData = (chunk) => {
    size += chunk.length;
    // A stream that inflates past what its header declared is refused, not buffered.
    if (size > maxOutput) throw new StellaError('LIMIT_EXCEEDED', `a zlib stream inflates past its declared ${maxOutput} bytes`);
    parts.push(chunk.slice());
  };
  inflater.push(input, false);
  // `ended` is set only when the stream ended (or failed): a truncated stream is neither.
  if (!inflater.ended || inflater.err !== 0) {
    throw new StellaError('REPO_INVALID', `a zlib stream in the pack is ${inflater.err !== 0 ? `corrupt (${inflater.msg})` : 'truncated'}`);
  }
  const data = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    data.set(part, at);
    at += part.length;
  }
  return { data, consumed: input.length - inflater.strm.avail_in };
};

/** core/git's default limits with the Worker's inflater. */
export const workerPackLimits: PackLimits = { inflate: workerMeasuredInflate };
