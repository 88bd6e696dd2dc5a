/**
 * The extractor extension point. An extractor says which files it wants and
 * parses what it is handed; the caller walks layers and directories and does
 * all I/O. Extractors are pure: no filesystem, no network, no global state.
 *
 * Most extractors take a file whole (`extract`). One that can often decide
 * from part of a file — the Go binary reader needs the ELF header and one
 * data segment of an executable, not its 90 MB of code — may also offer
 * `stream`: the caller then feeds it the file in order and stops reading
 * (and holding) the file as soon as it says it has seen enough. `extract`
 * stays the one required way in; `stream` is an optimisation that must give
 * the same result, or ask for the whole file.
 *
 * @example
 *   const dpkg: Extractor = {
 *     name: 'dpkg',
 *     fileRequired: (path) => path === 'var/lib/dpkg/status',
 *     extract: ({ path, contents }) => ({ packages: parseStatus(path, contents) }),
 *   };
 */
import type { ExtractedPackage } from '../model/package.js';

export interface ExtractInput {
  /** Path relative to the target root, POSIX separators, no leading slash. */
  path: string;
  contents: Uint8Array;
  /**
   * Files in the same folder that the extractor named in `siblings`, by base
   * name, when they exist and the caller could read them. Absent when the
   * caller cannot look beside a file (image layers stream one file at a time).
   */
  siblings?: ReadonlyMap<string, Uint8Array>;
}

export interface ExtractResult {
  packages: ExtractedPackage[];
  /** Problems with parts of the file that did not stop the rest from being read. */
  warnings?: string[];
}

export interface Extractor<Result extends ExtractResult | Promise<ExtractResult> = ExtractResult> {
  /** Unique, stable name (appears in warnings and reports). */
  readonly name: string;
  /** Largest file the extractor accepts; bigger files are skipped with a warning. */
  readonly maxFileSize: number;
  /**
   * Base names of files beside a wanted file that complete it (go-mod: `go.sum`
   * for a pre-1.17 go.mod). Handed over in `ExtractInput.siblings` when present;
   * they never make the extractor run on their own. Keep the list short.
   */
  readonly siblings?: readonly string[];
  /** True when the file at `path` (relative, no leading slash) is one this extractor parses. */
  fileRequired(path: string): boolean;
  /**
   * Parses one file. Throws (or rejects with) a StellaError when the file as
   * a whole cannot be read. An extractor that must load an engine first
   * (rpm: sql.js) returns a Promise; it copies what it needs from
   * `contents` before its first await, since the caller may reuse the buffer
   * as soon as `extract` returns.
   */
  extract(input: ExtractInput): Result;
  /**
   * Optional: reads the file as a stream instead (see `ExtractSink`). Called
   * with the file's path and size (at most `maxFileSize`); the caller feeds
   * the returned sink every byte in order until it says it needs no more.
   * Callers use it only when every extractor wanting the file offers it.
   */
  stream?(input: StreamInput): ExtractSink;
}

/** What `Extractor.stream` is told about a file before its first byte. */
export interface StreamInput {
  /** As in `ExtractInput.path`. */
  path: string;
  /** Bytes the file holds (the tar header's size, or the file's on disk). */
  size: number;
}

/**
 * The caller keeps the bytes fed in the parts that begin within this many
 * bytes of the file's start, so a sink that decides there may still ask for
 * the whole file; past it, the caller keeps nothing.
 *
 * @example
 *   if (fed < STREAM_HEAD_BYTES) keep(part);
 */
export const STREAM_HEAD_BYTES = 64 * 1024;

/**
 * How a streamed file ends: the extractor's result, or `whole` — this file
 * needs `extract` on the whole contents (the caller reads it whole and calls
 * `extract` as if the sink had never been made).
 *
 * @example
 *   const outcome = sink.end();
 *   if (outcome.$case === 'done') use(outcome.result);
 */
export type StreamOutcome = { $case: 'done'; result: ExtractResult } | { $case: 'whole' };

/**
 * A file fed to an extractor in order, one part at a time.
 *
 * The caller calls `write` with consecutive parts of the file (any sizes,
 * from one byte up) while it returns true, then `end` exactly once: right
 * after `write` returned false, or after the file's last byte (at once, for
 * an empty file). A part is valid only during the call — the caller may
 * reuse its memory — so a sink copies the few bytes it keeps. A sink may
 * answer `whole` only if it stopped on a part that began within the first
 * `STREAM_HEAD_BYTES` of the file; `write` and `end` may throw like `extract`.
 *
 * @example
 *   const sink = goBinaryExtractor.stream?.({ path, size: bytes.byteLength });
 *   for (let at = 0; sink !== undefined && at < bytes.byteLength; at += 65536) {
 *     if (!sink.write(bytes.subarray(at, at + 65536))) break;
 *   }
 *   const outcome = sink?.end(); // { $case: 'done', result: { packages: [] } } for a C program
 */
export interface ExtractSink {
  /** The next part of the file; true while more bytes are wanted. */
  write(part: Uint8Array): boolean;
  /** The outcome; called once, after `write` returned false or after the last byte. */
  end(): StreamOutcome;
}

/**
 * An extractor that may be asynchronous: what registries and scanners hold,
 * awaiting every result. `Extractor` alone stays the synchronous kind, so
 * synchronous extractors and their tests keep their types.
 *
 * @example
 *   const all: AnyExtractor[] = [dpkgExtractor, rpmExtractor];
 *   for (const e of all) { const { packages } = await e.extract({ path, contents }); }
 */
export type AnyExtractor = Extractor<ExtractResult | Promise<ExtractResult>>;
