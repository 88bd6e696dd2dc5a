/**
 * Just enough ELF to find data in an executable held in memory: the
 * identification, the program headers (to map virtual addresses to file
 * offsets) and section lookup by name. 32- and 64-bit, either byte order.
 * Every offset read from the file is bounds-checked; values that cannot be
 * offsets into an in-memory file map past its end, so a hostile header can
 * only make a lookup fail. `readElf` also works on the head of a file, once
 * the head reaches `programHeadersEnd` (a streamed read, buildinfo-stream.ts).
 *
 * @example
 *   const elf = readElf(bytes);
 *   const at = elf === undefined ? undefined : sectionOffset(elf, '.go.buildinfo');
 */

/**
 * One program header.
 *
 * @example
 *   const text: ElfSegment = { type: 1, flags: 5, offset: 0, vaddr: 0x400000, filesz: 0x1000, align: 0x1000 };
 */
export interface ElfSegment {
  /** 1 is PT_LOAD. */
  type: number;
  /** PF_X 1, PF_W 2, PF_R 4. */
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  /** p_align; note segments pad their entries to it. */
  align: number;
}

/**
 * A parsed ELF header over the file's bytes.
 *
 * @example
 *   const elf: Elf | undefined = readElf(bytes);
 *   elf?.is64; // true for ELFCLASS64
 */
export interface Elf {
  bytes: Uint8Array;
  view: DataView;
  little: boolean;
  is64: boolean;
  segments: ElfSegment[];
}

/** PT_LOAD: a segment mapped from the file. */
export const PT_LOAD = 1;
/** PT_NOTE: a segment of notes (name, type, descriptor). */
export const PT_NOTE = 4;
/** Bytes of the ELF header that `readElf` reads (64-bit; a 32-bit one is 52). */
export const ELF_HEADER_SIZE = 64;

/**
 * Where the program header table ends (the offset just past its last entry):
 * what the head of a file must hold for `readElf` to see every segment.
 * Undefined when `head` (at least `ELF_HEADER_SIZE` bytes, or the whole
 * file) is not an ELF file; 0 when there is no table.
 *
 * @example
 *   programHeadersEnd(head); // 64 + 9 * 56 for a typical 64-bit executable
 */
export function programHeadersEnd(head: Uint8Array): number | undefined {
  const elf = readElf(head.byteLength > ELF_HEADER_SIZE ? head.subarray(0, ELF_HEADER_SIZE) : head);
  if (elf === undefined) return undefined;
  const { view, little, is64 } = elf;
  const phoff = is64 ? u64(elf, 0x20) : view.getUint32(0x1c, little);
  const phentsize = view.getUint16(is64 ? 0x36 : 0x2a, little);
  const phnum = view.getUint16(is64 ? 0x38 : 0x2c, little);
  return phnum === 0 ? 0 : phoff + (phnum - 1) * phentsize + (is64 ? 56 : 32);
}

/**
 * The ELF header and program headers, or undefined when `bytes` is not an ELF file.
 *
 * @example
 *   readElf(new TextEncoder().encode('#!/bin/sh\n')); // undefined
 */
export function readElf(bytes: Uint8Array): Elf | undefined {
  if (bytes.byteLength < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return undefined;
  const is64 = bytes[4] === 2;
  const little = bytes[5] === 1;
  if ((bytes[4] !== 1 && !is64) || (bytes[5] !== 1 && bytes[5] !== 2)) return undefined;
  if (is64 && bytes.byteLength < 64) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elf: Elf = { bytes, view, little, is64, segments: [] };
  const phoff = is64 ? u64(elf, 0x20) : view.getUint32(0x1c, little);
  const phentsize = view.getUint16(is64 ? 0x36 : 0x2a, little);
  const phnum = view.getUint16(is64 ? 0x38 : 0x2c, little);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + (is64 ? 56 : 32) > bytes.byteLength) break;
    elf.segments.push(
      is64
        ? { type: view.getUint32(at, little), flags: view.getUint32(at + 4, little), offset: u64(elf, at + 8), vaddr: u64(elf, at + 16), filesz: u64(elf, at + 32), align: u64(elf, at + 48) }
        : { type: view.getUint32(at, little), offset: view.getUint32(at + 4, little), vaddr: view.getUint32(at + 8, little), filesz: view.getUint32(at + 16, little), flags: view.getUint32(at + 24, little), align: view.getUint32(at + 28, little) },
    );
  }
  return elf;
}

/**
 * File offset of the section called `name`; undefined when the file has no
 * section headers (stripped with `sstrip`) or no such section.
 *
 * @example
 *   sectionOffset(elf, '.go.buildinfo'); // 0x1f1000
 */
export function sectionOffset(elf: Elf, name: string): number | undefined {
  const { view, little, is64, bytes } = elf;
  const shoff = is64 ? u64(elf, 0x28) : view.getUint32(0x20, little);
  const shentsize = view.getUint16(is64 ? 0x3a : 0x2e, little);
  const shnum = view.getUint16(is64 ? 0x3c : 0x30, little);
  const shstrndx = view.getUint16(is64 ? 0x3e : 0x32, little);
  const entry = (i: number): { name: number; offset: number; size: number } | undefined => {
    const at = shoff + i * shentsize;
    if (shentsize < (is64 ? 64 : 40) || at + (is64 ? 64 : 40) > bytes.byteLength) return undefined;
    return is64
      ? { name: view.getUint32(at, little), offset: u64(elf, at + 24), size: u64(elf, at + 32) }
      : { name: view.getUint32(at, little), offset: view.getUint32(at + 16, little), size: view.getUint32(at + 20, little) };
  };
  const names = entry(shstrndx);
  if (shnum === 0 || names === undefined) return undefined;
  const wanted = new TextEncoder().encode(`${name}\0`);
  for (let i = 0; i < shnum; i++) {
    const section = entry(i);
    if (section === undefined) return undefined;
    if (section.name < names.size && matchesAt(bytes, names.offset + section.name, wanted)) return section.offset < bytes.byteLength ? section.offset : undefined;
  }
  return undefined;
}

/**
 * File offset of `length` bytes at virtual address `addr`, when one PT_LOAD segment holds them all.
 *
 * @example
 *   virtualToOffset(elf, 0x401000, 16); // 0x1000 when that segment maps file offset 0x1000 at 0x401000
 */
export function virtualToOffset(elf: Elf, addr: number, length: number): number | undefined {
  return mapVirtual(elf.segments, addr, length, elf.bytes.byteLength);
}

/**
 * `virtualToOffset` for a file of `size` bytes known by its program headers only (a streamed file).
 *
 * @example
 *   mapVirtual(elf.segments, 0x401000, 1, 2_000_000); // 0x1000
 */
export function mapVirtual(segments: readonly ElfSegment[], addr: number, length: number, size: number): number | undefined {
  for (const s of segments) {
    if (s.type !== PT_LOAD || addr < s.vaddr || addr + length > s.vaddr + s.filesz) continue;
    const offset = s.offset + (addr - s.vaddr);
    return offset + length <= size ? offset : undefined;
  }
  return undefined;
}

/**
 * A 4- or 8-byte unsigned value at file offset `at`; undefined past the end or beyond 2^53.
 *
 * @example
 *   readPointer(elf, 0x1010, 8, true);
 */
export function readPointer(elf: Elf, at: number, size: number, little: boolean): number | undefined {
  if (at < 0 || at + size > elf.bytes.byteLength) return undefined;
  if (size === 4) return elf.view.getUint32(at, little);
  const value = elf.view.getBigUint64(at, little);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

/**
 * True when `pattern` occurs in `bytes` at `at`.
 *
 * @example
 *   matchesAt(Uint8Array.of(1, 2, 3), 1, Uint8Array.of(2, 3)); // true
 */
export function matchesAt(bytes: Uint8Array, at: number, pattern: Uint8Array): boolean {
  if (at < 0 || at + pattern.byteLength > bytes.byteLength) return false;
  for (let i = 0; i < pattern.byteLength; i++) if (bytes[at + i] !== pattern[i]) return false;
  return true;
}

/** 64-bit header field; values beyond 2^53 cannot be offsets into an in-memory file, so they map past its end. */
function u64(elf: Elf, at: number): number {
  const value = elf.view.getBigUint64(at, elf.little);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Number.MAX_SAFE_INTEGER;
}
