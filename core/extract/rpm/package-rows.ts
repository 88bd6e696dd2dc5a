/**
 * What the rpm database readers (SQLite, Berkeley DB) hand the extractor:
 * one record of `Packages` at a time, and how the reading ended.
 *
 * @example
 *   const row: PackageRow = { kind: 'blob', hnum: 1, blob };
 */

/** One record of `Packages`: its header blob, or why the record is not one. */
export type PackageRow = { kind: 'blob'; hnum: number; blob: Uint8Array } | { kind: 'invalid'; hnum: number; problem: string };

/**
 * What reading the table gave besides rows: set when the database stopped
 * being readable part-way (the rows before it were delivered).
 */
export interface ReadOutcome {
  rows: number;
  stopped?: string;
  /** Damage that cost records no row could name (a page whose index is broken, a key that is no instance number). */
  problems?: string[];
}

/** Bounds a reader keeps to: rows delivered, and the longest blob read (longer ones are invalid rows, never read). */
export interface RowLimits {
  maxRows: number;
  maxBlobBytes: number;
}
