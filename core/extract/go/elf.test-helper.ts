/**
 * Builds minimal ELF executables carrying Go build info, for tests: the
 * pre-1.18 pointer layout cannot be produced by the Go toolchain installed
 * for the tests (1.19), and the contract suite needs large inputs quickly.
 * Web-standard only, so the contract suite may import it too.
 *
 * Layout: ELF header, one RW PT_LOAD program header (and, with `goNote`, a
 * PT_NOTE one for the Go build-ID note at 0x100), the data at file offset
 * 0x1000 mapped at 0x401000, then (unless `sections: false`) a section table
 * naming `.go.buildinfo` and `.shstrtab`.
 *
 * @example
 *   const bytes = buildGoElf({ goVersion: 'go1.16.15', modinfo: 'mod\tx\t(devel)\t\ndep\ty\tv1.0.0\t\n', layout: 'pointer' });
 */

/**
 * What to put in the built executable.
 *
 * @example
 *   const options: GoElfOptions = { goVersion: 'go1.16.15', modinfo: '', layout: 'pointer', bits: 32, bigEndian: true };
 */
export interface GoElfOptions {
  goVersion: string;
  /** Module info lines; the 16-byte sentinels are added here. */
  modinfo: string;
  /** `inline` is Go 1.18+, `pointer` before. */
  layout: 'inline' | 'pointer';
  bits?: 32 | 64;
  bigEndian?: boolean;
  /** False leaves no section headers, as `sstrip` does, so readers must fall back to the segment. */
  sections?: boolean;
  /** True adds the build-ID note the Go linker writes into every binary. */
  goNote?: boolean;
}

const DATA_OFFSET = 0x1000;
const NOTE_OFFSET = 0x100;
const DATA_VADDR = 0x401000;
const SENTINEL_START = Uint8Array.from([0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6]);
const SENTINEL_END = Uint8Array.from([0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2]);

/**
 * An ELF executable whose only content is Go build info laid out as `options` say.
 *
 * @example
 *   readGoBuildInfo(buildGoElf({ goVersion: 'go1.21.0', modinfo: '', layout: 'inline' })); // { $case: 'go', … }
 */
export function buildGoElf(options: GoElfOptions): Uint8Array {
  const bits = options.bits ?? 64;
  const little = options.bigEndian !== true;
  const ptr = bits / 8;
  const encoder = new TextEncoder();
  const version = encoder.encode(options.goVersion);
  const modinfo = concat([SENTINEL_START, encoder.encode(options.modinfo), SENTINEL_END]);
  const data = options.layout === 'inline' ? inlineData(version, modinfo, ptr, little) : pointerData(version, modinfo, ptr, little);

  const shstrtab = encoder.encode('\0.go.buildinfo\0.shstrtab\0');
  const withSections = options.sections !== false;
  const shstrOffset = DATA_OFFSET + data.byteLength;
  const shoff = align(shstrOffset + shstrtab.byteLength, 8);
  const shentsize = bits === 64 ? 64 : 40;
  const size = withSections ? shoff + 3 * shentsize : DATA_OFFSET + data.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, little ? 1 : 2, 1]);
  view.setUint16(16, 2, little); // ET_EXEC
  const phoff = bits === 64 ? 64 : 52;
  const phentsize = bits === 64 ? 56 : 32;
  const phnum = options.goNote === true ? 2 : 1;
  const note = goNote(little);
  if (bits === 64) {
    view.setBigUint64(0x20, BigInt(phoff), little);
    view.setBigUint64(0x28, BigInt(withSections ? shoff : 0), little);
    view.setUint16(0x34, 64, little);
    view.setUint16(0x36, phentsize, little);
    view.setUint16(0x38, phnum, little);
    view.setUint16(0x3a, shentsize, little);
    view.setUint16(0x3c, withSections ? 3 : 0, little);
    view.setUint16(0x3e, withSections ? 2 : 0, little);
    view.setUint32(phoff, 1, little); // PT_LOAD
    view.setUint32(phoff + 4, 6, little); // PF_R | PF_W
    view.setBigUint64(phoff + 8, BigInt(DATA_OFFSET), little);
    view.setBigUint64(phoff + 16, BigInt(DATA_VADDR), little);
    view.setBigUint64(phoff + 32, BigInt(data.byteLength), little);
    view.setBigUint64(phoff + 40, BigInt(data.byteLength), little);
  } else {
    view.setUint32(0x1c, phoff, little);
    view.setUint32(0x20, withSections ? shoff : 0, little);
    view.setUint16(0x28, 52, little);
    view.setUint16(0x2a, phentsize, little);
    view.setUint16(0x2c, phnum, little);
    view.setUint16(0x2e, shentsize, little);
    view.setUint16(0x30, withSections ? 3 : 0, little);
    view.setUint16(0x32, withSections ? 2 : 0, little);
    view.setUint32(phoff, 1, little);
    view.setUint32(phoff + 4, DATA_OFFSET, little);
    view.setUint32(phoff + 8, DATA_VADDR, little);
    view.setUint32(phoff + 16, data.byteLength, little);
    view.setUint32(phoff + 20, data.byteLength, little);
    view.setUint32(phoff + 24, 6, little);
  }
  out.set(data, DATA_OFFSET);
  if (phnum === 2) {
    const at = phoff + phentsize;
    view.setUint32(at, 4, little); // PT_NOTE
    if (bits === 64) {
      view.setUint32(at + 4, 4, little);
      view.setBigUint64(at + 8, BigInt(NOTE_OFFSET), little);
      view.setBigUint64(at + 32, BigInt(note.byteLength), little);
      view.setBigUint64(at + 48, 4n, little);
    } else {
      view.setUint32(at + 4, NOTE_OFFSET, little);
      view.setUint32(at + 16, note.byteLength, little);
      view.setUint32(at + 24, 4, little);
      view.setUint32(at + 28, 4, little);
    }
    out.set(note, NOTE_OFFSET);
  }
  if (withSections) {
    out.set(shstrtab, shstrOffset);
    // [0] null, [1] .go.buildinfo, [2] .shstrtab
    const section = (index: number, name: number, offset: number, length: number, addr: number): void => {
      const at = shoff + index * shentsize;
      view.setUint32(at, name, little);
      view.setUint32(at + 4, index === 2 ? 3 : 1, little);
      if (bits === 64) {
        view.setBigUint64(at + 16, BigInt(addr), little);
        view.setBigUint64(at + 24, BigInt(offset), little);
        view.setBigUint64(at + 32, BigInt(length), little);
      } else {
        view.setUint32(at + 12, addr, little);
        view.setUint32(at + 16, offset, little);
        view.setUint32(at + 20, length, little);
      }
    };
    section(1, 1, DATA_OFFSET, data.byteLength, DATA_VADDR);
    section(2, 15, shstrOffset, shstrtab.byteLength, 0);
  }
  return out;
}

/** A GNU build-ID note, then the Go one: name `Go\0\0`, type 4, the build ID as its descriptor. */
function goNote(little: boolean): Uint8Array {
  const id = new TextEncoder().encode('abcdefghijklmnopqrst/uvwxyz0123456789AB');
  const gnu = new Uint8Array(12 + 4 + 20);
  const go = new Uint8Array(12 + 4 + Math.ceil(id.byteLength / 4) * 4);
  const put = (note: Uint8Array, name: number[], descSize: number, type: number): void => {
    const view = new DataView(note.buffer);
    view.setUint32(0, name.length, little);
    view.setUint32(4, descSize, little);
    view.setUint32(8, type, little);
    note.set(name, 12);
  };
  put(gnu, [0x47, 0x4e, 0x55, 0], 20, 3);
  put(go, [0x47, 0x6f, 0, 0], id.byteLength, 4);
  go.set(id, 16);
  return concat([gnu, go]);
}

function header(ptr: number, flags: number): Uint8Array {
  const out = new Uint8Array(32);
  out.set([0xff, ...new TextEncoder().encode(' Go buildinf:'), ptr, flags]);
  return out;
}

function inlineData(version: Uint8Array, modinfo: Uint8Array, ptr: number, little: boolean): Uint8Array {
  return concat([header(ptr, 2 | (little ? 0 : 1)), uvarint(version.byteLength), version, uvarint(modinfo.byteLength), modinfo]);
}

/** Header, two pointers to string headers, the two string headers, then the bytes they point at. */
function pointerData(version: Uint8Array, modinfo: Uint8Array, ptr: number, little: boolean): Uint8Array {
  const head = header(ptr, little ? 0 : 1);
  const headers = 32;
  const versionBytes = headers + 4 * ptr;
  const modinfoBytes = versionBytes + version.byteLength;
  const out = new Uint8Array(modinfoBytes + modinfo.byteLength);
  out.set(head);
  const view = new DataView(out.buffer);
  const put = (at: number, value: number): void => {
    if (ptr === 8) view.setBigUint64(at, BigInt(value), little);
    else view.setUint32(at, value, little);
  };
  put(16, DATA_VADDR + headers);
  put(16 + ptr, DATA_VADDR + headers + 2 * ptr);
  put(headers, DATA_VADDR + versionBytes);
  put(headers + ptr, version.byteLength);
  put(headers + 2 * ptr, DATA_VADDR + modinfoBytes);
  put(headers + 3 * ptr, modinfo.byteLength);
  out.set(version, versionBytes);
  out.set(modinfo, modinfoBytes);
  return out;
}

function uvarint(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
