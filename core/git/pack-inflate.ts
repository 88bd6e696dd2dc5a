/**
 * Inflating one pack entry read back from a spool. Entries end where their
 * zlib stream ends — a pack records no compressed lengths — so the inflater
 * must say how much input the stream took. `DecompressionStream` does not,
 * and fflate's streaming `Inflate` keeps that position in private state
 * only, so the caller passes inflaters in (see `PackLimits`): a measuring
 * one for small entries (the whole stream in one call) and, for entries too
 * large to hold compressed and inflated at once, a streaming one fed a
 * block at a time. Without a streaming inflater (tests, the Worker's small
 * in-memory packs) every entry is inflated in one call.
 *
 * @example
 *   const cursor = new SpoolCursor(spool, end);
 *   const { consumed } = await inflateEntry(cursor, entry.dataAt, entry.size, limits, 'x.bundle: object 3', (chunk) => hash.update(chunk));
 */
import { StellaError } from '../errors.js';
import type { MeasuredInflate, OpenInflateStream } from './pack-limits.js';
import type { PackSpool } from './pack-spool.js';

/** Entries up to this size are inflated in one call (their compressed bytes read in one window). */
const ONE_CALL_BYTES = 1 << 20;
/** How much the spool is read at a time. */
const BLOCK_BYTES = 1 << 20;

/** Reads a spool forward in large blocks, so that small entries cost no read of their own. */
export class SpoolCursor {
  private block: Uint8Array = new Uint8Array(0);
  private blockAt = 0;

  constructor(
    /** A spool, or any file read at positions (a kept pack). */
    private readonly spool: Pick<PackSpool, 'read'>,
    /** Nothing at or past this offset is read (the trailer). */
    public end: number,
  ) {}

  /** After the spool changed (a thin pack's trailer replaced by appended objects): forget what was read, read up to `end`. */
  reset(end: number): void {
    this.block = new Uint8Array(0);
    this.blockAt = 0;
    this.end = end;
  }

  /** Up to `length` bytes from `at` (fewer only at `end`); a view, valid until the next call. */
  async bytes(at: number, length: number): Promise<Uint8Array> {
    const want = Math.min(length, this.end - at);
    if (want <= 0) return new Uint8Array(0);
    if (at < this.blockAt || at + want > this.blockAt + this.block.length) {
      this.block = await this.spool.read(at, Math.min(Math.max(want, BLOCK_BYTES), this.end - at));
      this.blockAt = at;
      if (this.block.length < want) throw new StellaError('INTERNAL', `pack spool returned ${this.block.length} of ${want} bytes at ${at}`);
    }
    return this.block.subarray(at - this.blockAt, at - this.blockAt + want);
  }

  /** CRC-style fold over the bytes [from, to), a block at a time. */
  async fold(from: number, to: number, step: (bytes: Uint8Array) => void): Promise<void> {
    for (let at = from; at < to; ) {
      const bytes = await this.bytes(at, Math.min(BLOCK_BYTES, to - at));
      step(bytes);
      at += bytes.length;
    }
  }
}

/** The inflaters a pack is read with. */
export interface EntryInflaters {
  inflate: MeasuredInflate;
  inflateStream?: OpenInflateStream | undefined;
}

/**
 * Inflates the entry whose zlib data starts at `dataAt`, which must give
 * exactly `size` bytes: each piece of output goes to `onOutput`, and the
 * number of compressed bytes is returned. More output than `size` is never
 * produced (a header that understates its size cannot make it grow).
 */
export async function inflateEntry(cursor: SpoolCursor, dataAt: number, size: number, inflaters: EntryInflaters, what: string, onOutput: (chunk: Uint8Array) => void): Promise<number> {
  const rest = cursor.end - dataAt;
  const stream = inflaters.inflateStream;
  if (stream === undefined || size <= ONE_CALL_BYTES) {
    // zlib adds 6 bytes and 5 per stored block of 64 KiB; a window this large holds any sensible stream.
    const window = stream === undefined ? rest : Math.min(rest, size + (size >> 4) + 4096);
    try {
      // A zero cap means "no limit" to some inflaters: ask for one byte more and compare below.
      const { data, consumed } = inflaters.inflate(await cursor.bytes(dataAt, window), Math.max(size, 1));
      checkSize(data.length, size, what);
      onOutput(data);
      return consumed;
    } catch (cause) {
      if (stream === undefined || window >= rest) throw notInflating(cause, size, what);
      // An unusually poor compression ran past the window: stream it instead.
    }
  }
  return inflateStreaming(cursor, dataAt, size, stream, what, onOutput);
}

/** The whole inflated entry. @example const delta = await inflateWhole(cursor, entry.dataAt, entry.size, inflaters, what) */
export async function inflateWhole(cursor: SpoolCursor, dataAt: number, size: number, inflaters: EntryInflaters, what: string): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  await inflateEntry(cursor, dataAt, size, inflaters, what, (chunk) => {
    out.set(chunk, at);
    at += chunk.length;
  });
  return out;
}

async function inflateStreaming(cursor: SpoolCursor, dataAt: number, size: number, open: OpenInflateStream, what: string, onOutput: (chunk: Uint8Array) => void): Promise<number> {
  const inflater = open();
  let fed = 0;
  let produced = 0;
  try {
    for (;;) {
      const input = await cursor.bytes(dataAt + fed, BLOCK_BYTES);
      let result: { output: Uint8Array[]; used: number | undefined };
      try {
        // At the end of the readable bytes the stream must end too (the last entry, before its trailer).
        result = input.length > 0 ? await inflater.push(input) : { output: await inflater.finish(), used: 0 };
      } catch (cause) {
        throw notInflating(cause, size, what);
      }
      for (const chunk of result.output) {
        produced += chunk.length;
        if (produced > size) throw notInflating(new Error(`more than ${size} bytes of output`), size, what);
        onOutput(chunk);
      }
      if (result.used !== undefined) {
        checkSize(produced, size, what);
        return fed + result.used;
      }
      fed += input.length;
    }
  } finally {
    inflater.close();
  }
}

function checkSize(actual: number, size: number, what: string): void {
  if (actual !== size) throw new StellaError('REPO_INVALID', `${what} inflates to ${actual} bytes, its header declares ${size}`);
}

function notInflating(cause: unknown, size: number, what: string): StellaError {
  if (cause instanceof StellaError) return cause;
  return new StellaError('REPO_INVALID', `${what} does not inflate to the ${size} bytes its header declares (${(cause as Error).message})`, { cause });
}
