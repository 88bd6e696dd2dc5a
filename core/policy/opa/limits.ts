/**
 * The bounds an OPA wasm policy pack is held to. A pack comes from the state
 * repository, reviewed, but the module inside is still code we did not
 * write: every resource it could exhaust has a limit, checked when it is
 * loaded (sizes, the memory it asks for) or enforced while it runs (the
 * memory maximum; the time, by the runner — see runner.ts).
 *
 * @example
 *   const limits = opaLimits({ evaluationMs: 500 }); // the defaults, one changed
 */

/** Sizes, memory and time for one pack. */
export interface OpaLimits {
  /** The `.tar.gz` as stored. */
  maxPackBytes: number;
  /** All files of the unpacked tar together (bounds a gzip bomb). */
  maxUnpackedBytes: number;
  /** The wasm module. */
  maxModuleBytes: number;
  /** `data.json`. */
  maxDataBytes: number;
  /** The module's linear memory, the input included: the imported memory's `maximum`. */
  maxMemoryBytes: number;
  /** Instantiating the module and loading its data. */
  loadMs: number;
  /** One evaluation of one report. */
  evaluationMs: number;
}

const MIB = 1024 * 1024;

/** The defaults: generous for a real policy over a report of tens of thousands of findings. */
export const DEFAULT_OPA_LIMITS: Readonly<OpaLimits> = Object.freeze({
  maxPackBytes: 32 * MIB,
  maxUnpackedBytes: 64 * MIB,
  maxModuleBytes: 32 * MIB,
  maxDataBytes: 16 * MIB,
  maxMemoryBytes: 256 * MIB,
  loadMs: 10_000,
  evaluationMs: 2_000,
});

/** Wasm memory is counted in pages of 64 KiB. */
export const WASM_PAGE = 65_536;

/** The defaults with `overrides` applied. */
export function opaLimits(overrides: Partial<OpaLimits> = {}): OpaLimits {
  return { ...DEFAULT_OPA_LIMITS, ...overrides };
}

/** `bytes` as a short size for messages: `64 MiB`, `512 KiB`, `100 bytes`. */
export function formatSize(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
