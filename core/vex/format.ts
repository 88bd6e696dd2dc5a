/**
 * The VEX format extension point: one interface, one registry
 * (`registry.ts`), one contract suite (`contract.test.ts`). A format
 * recognises its documents by content (never by file name) and reads one
 * into normalised statements. Pure: the caller reads files or Git blobs and
 * hands over bytes.
 *
 * @example
 *   const openvex: VexFormat = {
 *     name: 'openvex', description: 'OpenVEX 0.2.0 and 0.0.1 (JSON)', maxSourceBytes: 16 << 20,
 *     recognise: (head) => looksLikeOpenVex(head),
 *     read: (source) => readOpenVex(source),
 *   };
 */
import type { VexSource } from './fields.js';
import type { VexDocument } from './statement.js';

/** How many leading bytes of a file `recognise` is given (fewer when the file is shorter). */
export const VEX_RECOGNISE_BYTES = 4096;

/** One VEX document format. */
export interface VexFormat {
  /** Unique, stable name (lowercase, dashes): keys the registry and messages. */
  readonly name: string;
  /** One line for help texts. */
  readonly description: string;
  /** Largest document accepted, in bytes. */
  readonly maxSourceBytes: number;
  /** True when a document starting with `head` is this format. Pure, cheap, never throws. */
  recognise(head: Uint8Array): boolean;
  /**
   * Reads the whole document. Throws a StellaError (VEX_INVALID, JSON_INVALID,
   * LIMIT_EXCEEDED) whose one-line message names `source.name` when the
   * document cannot be used: an unknown status, a missing required
   * timestamp, a statement naming no product or vulnerability.
   */
  read(source: VexSource): VexDocument;
}

/**
 * The text of a document's head for recognition: decoded leniently, since a
 * cut may fall inside a character.
 * @example headText(bytes).includes('"bomFormat"')
 */
export function headText(head: Uint8Array): string {
  return new TextDecoder('utf-8').decode(head.subarray(0, VEX_RECOGNISE_BYTES));
}
