/**
 * Size limits on packs from outside (a bundle, a fetch), and the means to
 * hold a pack to them: the inflaters and the spool the pack waits in. The
 * indexer (`pack-entries.ts`) checks each entry's declared inflated size
 * before inflating it, inflates with that size as a hard cap (a header that
 * lies cannot make it grow), and reads a delta's result size from the
 * delta's first bytes; the receiver (`pack-receive.ts`) stops a pack past
 * the per-pack limit as it arrives.
 *
 * Finding where one zlib stream ends (and the next entry starts) needs an
 * inflater that reports the input it consumed; Web `DecompressionStream`
 * does not, so the caller passes one in (Node: `zlib.inflateSync` with
 * `info` and `maxOutputLength`, and a `zlib.createInflate` stream for large
 * entries: `agent/repo/pack-limits.ts`).
 *
 * @example
 *   await storePack(store, packBytes, 'nightly.bundle', { inflate: nodeMeasuredInflate, inflateStream, spool: fileSpool });
 */
import type { PackSpoolFactory } from './pack-spool.js';

/** Largest inflated object (or delta result) a received pack may hold: 100 MiB. */
export const MAX_OBJECT_BYTES = 100 * 1024 * 1024;
/** Largest sum of inflated object sizes in one received pack: 1 GiB. */
export const MAX_PACK_INFLATED_BYTES = 1024 * 1024 * 1024;
/** Largest received pack (compressed, as sent): 512 MiB. */
export const MAX_PACK_BYTES = 512 * 1024 * 1024;

/**
 * Inflates the zlib stream at the start of `input` (more bytes may follow
 * it), producing at most `maxOutput` bytes — more is an error, not a larger
 * buffer — and says how many input bytes the stream took.
 */
export type MeasuredInflate = (input: Uint8Array, maxOutput: number) => { data: Uint8Array; consumed: number };

/**
 * One zlib stream inflated piece by piece, for entries too large to hold
 * compressed and inflated at once. `push` takes the next input bytes and
 * returns what they inflated to; once the stream has ended it also says how
 * many of *these* input bytes it used (the rest belongs to the next entry).
 * It throws on corrupt data.
 */
export interface InflateStream {
  push(input: Uint8Array): Promise<{ output: Uint8Array[]; used: number | undefined }>;
  /** No more input: the last output, if the stream ended exactly at the last byte pushed; throws if it is incomplete. */
  finish(): Promise<Uint8Array[]>;
  /** Frees the inflater; always called, also after an error. */
  close(): void;
}

/** Starts an `InflateStream`. */
export type OpenInflateStream = () => InflateStream;

export interface PackLimits {
  inflate: MeasuredInflate;
  /** For large entries; without it every entry is inflated in one call (fine for small in-memory packs). */
  inflateStream?: OpenInflateStream;
  /** Where a received pack waits while it is indexed; default `memorySpool`. */
  spool?: PackSpoolFactory;
  /** Default MAX_OBJECT_BYTES. */
  maxObjectBytes?: number;
  /** Default MAX_PACK_INFLATED_BYTES. */
  maxTotalBytes?: number;
  /** Default MAX_PACK_BYTES. */
  maxPackBytes?: number;
}

/** "100 MiB", for messages. @example mib(MAX_OBJECT_BYTES) */
export function mib(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}
