/**
 * The explicit list of VEX formats, and the registry built from it. Adding
 * a format means adding it to `builtinVexFormats` and a sample to
 * `contract.test.ts`; nothing registers itself at import time.
 *
 * @example
 *   const document = defaultVexFormats.read({ name: 'vex/app.openvex.json', bytes });
 */
import { StellaError } from '../errors.js';
import { invalidVex, type VexSource } from './fields.js';
import { VEX_RECOGNISE_BYTES, type VexFormat } from './format.js';
import { csafVexFormat } from './csaf/csaf.js';
import { cyclonedxVexFormat } from './cyclonedx/cyclonedx.js';
import { openvexFormat } from './openvex/openvex.js';
import type { VexDocument } from './statement.js';

/**
 * Every VEX format Stella Mesh reads, in the order they are asked to recognise a document.
 * @example builtinVexFormats.map((f) => f.name); // ['openvex', 'cyclonedx-vex', 'csaf-vex']
 */
export const builtinVexFormats: readonly VexFormat[] = Object.freeze([openvexFormat, cyclonedxVexFormat, csafVexFormat]);

/** A fixed set of VEX formats with unique names. */
export interface VexFormatRegistry {
  readonly formats: readonly VexFormat[];
  /** The format with this name, if registered. */
  byName(name: string): VexFormat | undefined;
  /** The first format, in registry order, that recognises a document starting with `head`. */
  recognise(head: Uint8Array): VexFormat | undefined;
  /**
   * Recognises and reads one document. Throws VEX_INVALID "unknown format"
   * when no format recognises it, LIMIT_EXCEEDED over the format's size,
   * and whatever the format throws for a broken document.
   */
  read(source: VexSource): VexDocument;
}

/**
 * Builds a registry; refuses two formats with the same name.
 * @example createVexFormatRegistry([openvexFormat, openvexFormat]); // throws StellaError INTERNAL
 */
export function createVexFormatRegistry(formats: readonly VexFormat[]): VexFormatRegistry {
  const byName = new Map<string, VexFormat>();
  for (const format of formats) {
    if (byName.has(format.name)) throw new StellaError('INTERNAL', `VEX format registry: two formats are named "${format.name}"`);
    byName.set(format.name, format);
  }
  const list = Object.freeze([...formats]);
  const recognise = (head: Uint8Array): VexFormat | undefined => list.find((format) => format.recognise(head.subarray(0, VEX_RECOGNISE_BYTES)));
  return {
    formats: list,
    byName: (name) => byName.get(name),
    recognise,
    read(source) {
      const format = recognise(source.bytes);
      if (format === undefined) throw invalidVex(source.name, `unknown format: not ${list.map((f) => f.description).join(', nor ')}`);
      if (source.bytes.length > format.maxSourceBytes) {
        throw new StellaError('LIMIT_EXCEEDED', `${source.name}: ${source.bytes.length} bytes is over the ${format.maxSourceBytes}-byte limit for ${format.name}`);
      }
      return format.read(source);
    },
  };
}

/**
 * The registry of `builtinVexFormats`.
 * @example defaultVexFormats.byName('csaf-vex')?.description;
 */
export const defaultVexFormats: VexFormatRegistry = createVexFormatRegistry(builtinVexFormats);
