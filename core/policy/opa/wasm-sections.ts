/**
 * Reads the parts of a wasm binary that say what a module needs and
 * offers before any of its code runs: its imports (with the memory limits
 * it declares), its exports, and the constant values of its globals. The
 * JS API tells neither the memory an import asks for nor a global's value
 * without instantiating, and instantiating runs the module's start
 * function — too late for a check that should refuse a module unseen.
 *
 * Only called on bytes `WebAssembly.compile` has accepted, so the structure
 * is valid; bounds are still checked so a mistake here cannot read past
 * the end.
 *
 * @example
 *   const shape = readWasmShape(bytes);
 *   shape.imports.find((i) => i.kind === 'memory')?.memory; // { min: 2 }
 */
import { StellaError } from '../../errors.js';

/** `func`, `table`, `memory`, `global` or `tag`, as the binary format numbers them 0–4. */
export type WasmKind = 'func' | 'table' | 'memory' | 'global' | 'tag';

/** Memory limits in 64 KiB pages. */
export interface WasmMemoryLimits {
  min: number;
  max?: number;
  shared: boolean;
  memory64: boolean;
}

/** One import: what module and name it is taken from, and (memory) the limits it declares. */
export interface WasmImport {
  module: string;
  name: string;
  kind: WasmKind;
  memory?: WasmMemoryLimits;
}

/** One export: its name, kind and index in that kind's index space. */
export interface WasmExport {
  name: string;
  kind: WasmKind;
  index: number;
}

/** What readWasmShape found. */
export interface WasmShape {
  imports: WasmImport[];
  exports: WasmExport[];
  /** The value of each global in the global index space when it is an `i32.const` defined here; undefined otherwise. */
  globalValue(index: number): number | undefined;
}

const KINDS: readonly WasmKind[] = ['func', 'table', 'memory', 'global', 'tag'];
const SECTION_IMPORT = 2;
const SECTION_GLOBAL = 6;
const SECTION_EXPORT = 7;

/** The imports, exports and constant globals of a (valid) module. */
export function readWasmShape(bytes: Uint8Array): WasmShape {
  const reader = new Reader(bytes);
  reader.skip(8); // magic and version
  const imports: WasmImport[] = [];
  const exports: WasmExport[] = [];
  const globals: (number | undefined)[] = [];
  while (!reader.done) {
    const id = reader.byte();
    const size = reader.u32();
    const end = reader.at + size;
    if (id === SECTION_IMPORT) readImports(reader, imports);
    else if (id === SECTION_GLOBAL) readGlobals(reader, end, globals);
    else if (id === SECTION_EXPORT) readExports(reader, exports);
    reader.at = end;
  }
  const importedGlobals = imports.filter((i) => i.kind === 'global').length;
  return {
    imports,
    exports,
    globalValue: (index) => (index < importedGlobals ? undefined : globals[index - importedGlobals]),
  };
}

function readImports(reader: Reader, out: WasmImport[]): void {
  for (let n = reader.u32(); n > 0; n--) {
    const module = reader.name();
    const name = reader.name();
    const kind = kindOf(reader.byte());
    if (kind === 'func') reader.u32();
    else if (kind === 'table') {
      reader.byte();
      readLimits(reader);
    } else if (kind === 'memory') {
      out.push({ module, name, kind, memory: readLimits(reader) });
      continue;
    } else if (kind === 'global') reader.skip(2);
    else {
      reader.byte();
      reader.u32();
    }
    out.push({ module, name, kind });
  }
}

function readLimits(reader: Reader): WasmMemoryLimits {
  const flags = reader.byte();
  const memory64 = (flags & 4) !== 0;
  const min = memory64 ? reader.u64AsNumber() : reader.u32();
  const limits: WasmMemoryLimits = { min, shared: (flags & 2) !== 0, memory64 };
  if ((flags & 1) !== 0) limits.max = memory64 ? reader.u64AsNumber() : reader.u32();
  return limits;
}

/** Globals whose initialiser is a single `i32.const`; reading stops at the first other form (its value and later ones stay unknown). */
function readGlobals(reader: Reader, end: number, out: (number | undefined)[]): void {
  for (let n = reader.u32(); n > 0; n--) {
    reader.skip(2); // value type, mutability
    const I32_CONST = 0x41;
    const END = 0x0b;
    if (reader.byte() !== I32_CONST) return;
    const value = reader.s32();
    if (reader.byte() !== END) return;
    out.push(value);
    if (reader.at > end) return;
  }
}

function readExports(reader: Reader, out: WasmExport[]): void {
  for (let n = reader.u32(); n > 0; n--) {
    const name = reader.name();
    const kind = kindOf(reader.byte());
    out.push({ name, kind, index: reader.u32() });
  }
}

function kindOf(byte: number): WasmKind {
  const kind = KINDS[byte];
  if (kind === undefined) throw new StellaError('POLICY_INVALID', `unknown wasm import/export kind ${byte}`);
  return kind;
}

/** A cursor over the bytes with LEB128 decoding. */
class Reader {
  at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  byte(): number {
    const value = this.bytes[this.at];
    if (value === undefined) throw new StellaError('POLICY_INVALID', `wasm module ends unexpectedly at offset ${this.at}`);
    this.at += 1;
    return value;
  }

  skip(length: number): void {
    this.at += length;
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new StellaError('POLICY_INVALID', `wasm module has an overlong integer at offset ${this.at}`);
  }

  u64AsNumber(): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new StellaError('POLICY_INVALID', `wasm module has an overlong integer at offset ${this.at}`);
  }

  s32(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) !== 0 && shift < 35);
    if (shift < 32 && (b & 0x40) !== 0) result |= -1 << shift;
    return result;
  }

  name(): string {
    const length = this.u32();
    const start = this.at;
    this.at += length;
    if (this.at > this.bytes.length) throw new StellaError('POLICY_INVALID', `wasm module ends inside a name at offset ${start}`);
    return new TextDecoder().decode(this.bytes.subarray(start, this.at));
  }
}
