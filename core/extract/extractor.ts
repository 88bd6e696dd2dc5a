/**
 * The extractor extension point. An extractor says which files it wants and
 * parses what it is handed; the caller walks layers and directories and does
 * all I/O. Extractors are pure: no filesystem, no network, no global state.
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
