/**
 * Reads the module build information the Go linker embeds in an ELF
 * executable (what `go version -m` prints), from bytes in memory.
 *
 * Where it is: the `.go.buildinfo` section, or — in a binary whose section
 * headers were stripped — the start of the first writable, non-executable
 * PT_LOAD segment. It begins with the 14-byte magic `\xff Go buildinf:` on a
 * 16-byte boundary, then a pointer size and a flags byte:
 * - Go 1.18 and later (flag bit 2): the Go version and the module info
 *   follow the 32-byte header as uvarint-length-prefixed strings.
 * - Before 1.18: two pointers (in the byte order of flag bit 1) to Go string
 *   headers `{data, len}` elsewhere in the image, which are virtual addresses
 *   mapped to file offsets through the PT_LOAD program headers.
 * The module info is framed by 16 sentinel bytes on each side, and is lines
 * of tab-separated fields: `path`, `mod` (the main module), `dep`, `=>` (a
 * replacement for the line before) and `build`.
 *
 * Every offset read from the file is bounds-checked (see elf.ts): a hostile
 * binary can only make the read fail, never read outside the buffer or loop long.
 *
 * This reads a file held whole; buildinfo-stream.ts reads one as it streams
 * past with the exported steps below, and must give the same result.
 *
 * @example
 *   const read = readGoBuildInfo(bytes);
 *   if (read.$case === 'go') console.log(read.info.goVersion, read.info.deps.length);
 */
import { PT_LOAD, mapVirtual, matchesAt, readElf, readPointer, sectionOffset, virtualToOffset } from './elf.js';
import type { Elf, ElfSegment } from './elf.js';

/**
 * One module line (`mod` or `dep`), with its `=>` replacement if any.
 *
 * @example
 *   const dep: BinaryModule = { path: 'golang.org/x/net', version: 'v0.1.0', replace: { path: 'example.com/fork/net', version: 'v0.1.1' } };
 */
export interface BinaryModule {
  path: string;
  /** As recorded, with its `v` (`v1.2.3`, `(devel)` for a local or unversioned build). */
  version: string;
  replace?: BinaryModule;
}

/**
 * What `go version -m` shows.
 *
 * @example
 *   const info: GoBuildInfo = { goVersion: 'go1.22.1', main: { path: 'example.com/app', version: '(devel)' }, deps: [], problems: [] };
 */
export interface GoBuildInfo {
  /** The toolchain that built the binary, as recorded (`go1.19.8`, `go1.22.0 X:boringcrypto`). */
  goVersion: string;
  /** The main module, absent for binaries built outside module mode. */
  main?: BinaryModule;
  deps: BinaryModule[];
  /** Lines of the module info that could not be read. */
  problems: string[];
}

/**
 * The outcome of looking for build info, as a tagged union:
 * `not-go` for anything that is not an ELF file carrying the magic (a shell
 * script, a C program), `corrupt` when the magic is there but what follows
 * cannot be read, `go` with the parsed information.
 *
 * @example
 *   switch (read.$case) { case 'not-go': …; case 'corrupt': read.reason; case 'go': read.info; }
 */
export type BuildInfoRead = { $case: 'not-go' } | { $case: 'corrupt'; reason: string } | { $case: 'go'; info: GoBuildInfo };

const MAGIC = Uint8Array.from([0xff, ...new TextEncoder().encode(' Go buildinf:')]);
/**
 * Bytes of the build-info header: magic, pointer size, flags, two pointers.
 *
 * @example
 *   if (at + BUILD_INFO_HEADER_SIZE <= end && isBuildInfoHeader(bytes, at)) …
 */
const BUILD_INFO_HEADER_SIZE = 32;
const ALIGN = 16;
/**
 * Go's own reader searches this far from the start of the data for the magic.
 *
 * @example
 *   const end = Math.min(size, start.offset + BUILD_INFO_SEARCH_WINDOW);
 */
export const BUILD_INFO_SEARCH_WINDOW = 64 * 1024;
const FLAG_BIG_ENDIAN = 1;
const FLAG_VERSION_INLINE = 2;
const SECTION_NAME = '.go.buildinfo';
const PF_X = 1;
const PF_W = 2;
/** The module info of the largest real binaries is a few hundred KiB; this bounds a hostile length field. */
const MAX_STRING = 16 * 1024 * 1024;

/**
 * Finds and parses the Go build info of an ELF executable.
 *
 * @example
 *   readGoBuildInfo(new TextEncoder().encode('#!/bin/sh')); // { $case: 'not-go' }
 */
export function readGoBuildInfo(bytes: Uint8Array): BuildInfoRead {
  const elf = readElf(bytes);
  if (elf === undefined) return { $case: 'not-go' };
  const start = dataStart(elf);
  if (start === undefined) return { $case: 'not-go' };
  const header = findBuildInfoHeader(bytes, 0, start);
  if (header === undefined) return { $case: 'not-go' };
  return toRead(isInline(bytes, header) ? readInlineStrings(bytes, header) : readPointerStrings(elf, header));
}

/**
 * Where the search for the magic starts: a file offset, and the virtual
 * address there modulo 16 (see `isHeaderCandidate`).
 *
 * @example
 *   const start: DataStart = { offset: 0x117838, shift: 8 };
 */
export interface DataStart {
  offset: number;
  shift: number;
}

/** The section if named, else the first data segment. */
function dataStart(elf: Elf): DataStart | undefined {
  const section = sectionOffset(elf, SECTION_NAME);
  if (section !== undefined) return { offset: section, shift: 0 };
  return dataSegmentStart(elf.segments, elf.bytes.byteLength);
}

/**
 * The start of the first writable, non-executable PT_LOAD segment of a file
 * of `size` bytes: where build info is when there are no section headers.
 *
 * @example
 *   dataSegmentStart(readElf(bytes).segments, bytes.byteLength); // { offset: 0x110000, shift: 0 }
 */
export function dataSegmentStart(segments: readonly ElfSegment[], size: number): DataStart | undefined {
  const data = segments.find((s) => s.type === PT_LOAD && (s.flags & (PF_X | PF_W)) === PF_W);
  if (data === undefined) return undefined;
  const offset = mapVirtual(segments, data.vaddr, 1, size);
  return offset === undefined ? undefined : { offset, shift: data.vaddr % ALIGN };
}

/**
 * File offset of the first build-info header Go's search finds from `start`,
 * in `bytes` holding the file from offset `from` on (the whole file, or the
 * window a streamed read kept), or undefined.
 *
 * @example
 *   findBuildInfoHeader(wholeFile, 0, start); // 0x110000 for a Go binary
 */
export function findBuildInfoHeader(bytes: Uint8Array, from: number, start: DataStart): number | undefined {
  const end = Math.min(from + bytes.byteLength, start.offset + BUILD_INFO_SEARCH_WINDOW);
  const lowest = Math.max(start.offset, from);
  // Where the header may sit: 16 bytes apart from the start, as Go searches, or at a 16-byte virtual
  // address. The second finds the section the system linker (external linking) put further into the
  // data segment, where the segment does not start on a 16-byte address ({ offset: 0x10fe38, shift: 8 }:
  // 0x117850 is one). So two offsets per 16-byte step, in order: every executable of an image is
  // searched, most of them through the whole window, and no other offset is looked at.
  const addressed = (ALIGN - start.shift) % ALIGN;
  for (let step = start.offset + Math.floor((lowest - start.offset) / ALIGN) * ALIGN; step + BUILD_INFO_HEADER_SIZE <= end; step += ALIGN) {
    if (step >= lowest && isBuildInfoHeader(bytes, step - from)) return step;
    const second = step + addressed;
    if (addressed !== 0 && second >= lowest && second + BUILD_INFO_HEADER_SIZE <= end && isBuildInfoHeader(bytes, second - from)) return second;
  }
  return undefined;
}

/**
 * True when the build-info magic is at `at`.
 *
 * @example
 *   isBuildInfoHeader(bytes, 0x110000); // true for a Go binary
 */
function isBuildInfoHeader(bytes: Uint8Array, at: number): boolean {
  return matchesAt(bytes, at, MAGIC);
}

/**
 * True for the Go 1.18+ layout, whose strings follow the header at `header`.
 *
 * @example
 *   isInline(bytes, header) ? readInlineBuildInfo(bytes, header) : …pointers into the image…
 */
export function isInline(bytes: Uint8Array, header: number): boolean {
  return ((bytes[header + 15] ?? 0) & FLAG_VERSION_INLINE) !== 0;
}

/**
 * How many bytes from `header` the inline strings span — all a reader must
 * keep — or undefined while `bytes` ends too soon to tell. A length that can
 * never be read gives the bytes seen so far: the parse fails the same way.
 *
 * @example
 *   inlineSpan(bytes, 0); // 32 + 1 + 9 + 2 + 300 for go1.22.1 and 300 bytes of module info
 */
export function inlineSpan(bytes: Uint8Array, header: number): number | undefined {
  let at = header + BUILD_INFO_HEADER_SIZE;
  for (let i = 0; i < 2; i++) {
    const length = readVarint(bytes, at);
    if (length === 'short') return undefined;
    if (length === 'bad' || length.value > MAX_STRING) return at - header;
    at = length.next + length.value;
  }
  return at - header;
}

/**
 * Parses the inline (Go 1.18+) build info whose header is at `header`.
 *
 * @example
 *   readInlineBuildInfo(kept, 0); // { $case: 'go', info: { goVersion: 'go1.22.1', … } }
 */
export function readInlineBuildInfo(bytes: Uint8Array, header: number): BuildInfoRead {
  return toRead(readInlineStrings(bytes, header));
}

function toRead(strings: { version: string; modinfo: string } | string): BuildInfoRead {
  if (typeof strings === 'string') return { $case: 'corrupt', reason: strings };
  return { $case: 'go', info: parseModInfo(strings.version, strings.modinfo) };
}

function readInlineStrings(bytes: Uint8Array, header: number): { version: string; modinfo: string } | string {
  const version = readVarintString(bytes, header + BUILD_INFO_HEADER_SIZE);
  if (version === undefined) return 'the Go version string overruns the file';
  const modinfo = readVarintString(bytes, version.next);
  if (modinfo === undefined) return 'the module info string overruns the file';
  return { version: decode(version.bytes), modinfo: stripSentinels(modinfo.bytes) };
}

/** The version and module-info strings of the pre-1.18 layout, or the reason they cannot be read. */
function readPointerStrings(elf: Elf, header: number): { version: string; modinfo: string } | string {
  const { bytes } = elf;
  const ptrSize = bytes[header + 14] ?? 0;
  const flags = bytes[header + 15] ?? 0;
  if (ptrSize !== 4 && ptrSize !== 8) return `unsupported pointer size ${ptrSize}`;
  const little = (flags & FLAG_BIG_ENDIAN) === 0;
  const version = readGoString(elf, readPointer(elf, header + 16, ptrSize, little), ptrSize, little);
  const modinfo = readGoString(elf, readPointer(elf, header + 16 + ptrSize, ptrSize, little), ptrSize, little);
  if (version === undefined) return 'the Go version string points outside the file';
  // Binaries built outside module mode have a version but no module info.
  return { version: decode(version), modinfo: modinfo === undefined ? '' : stripSentinels(modinfo) };
}

/** A Go string header `{data, len}` at virtual address `addr`, followed to its bytes. */
function readGoString(elf: Elf, addr: number | undefined, ptrSize: number, little: boolean): Uint8Array | undefined {
  if (addr === undefined) return undefined;
  const at = virtualToOffset(elf, addr, 2 * ptrSize);
  if (at === undefined) return undefined;
  const data = readPointer(elf, at, ptrSize, little);
  const length = readPointer(elf, at + ptrSize, ptrSize, little);
  if (data === undefined || length === undefined || length > MAX_STRING) return undefined;
  if (length === 0) return new Uint8Array(0);
  const from = virtualToOffset(elf, data, length);
  return from === undefined ? undefined : elf.bytes.subarray(from, from + length);
}

function readVarintString(bytes: Uint8Array, at: number): { bytes: Uint8Array; next: number } | undefined {
  const length = readVarint(bytes, at);
  if (typeof length === 'string') return undefined;
  const { value, next } = length;
  if (value > MAX_STRING || next + value > bytes.byteLength) return undefined;
  return { bytes: bytes.subarray(next, next + value), next: next + value };
}

/** A uvarint of at most 8 bytes at `at`: `short` when `bytes` ends inside it, `bad` when longer. */
function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } | 'short' | 'bad' {
  let value = 0;
  let scale = 1;
  for (let i = at; ; i++) {
    if (i - at >= 8) return 'bad';
    const b = bytes[i];
    if (b === undefined) return 'short';
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
  }
}

/** The linker frames module info with 16 bytes each side; without a well-formed frame there is none. */
function stripSentinels(modinfo: Uint8Array): string {
  if (modinfo.byteLength < 33 || modinfo[modinfo.byteLength - 17] !== 0x0a) return '';
  return decode(modinfo.subarray(16, modinfo.byteLength - 16));
}

/**
 * Parses module info text (the lines `go version -m` prints after the
 * binary's name). Unreadable lines are listed in `problems`; the rest is kept.
 *
 * @example
 *   parseModInfo('go1.22.1', 'path\tx\nmod\tx\t(devel)\t\ndep\tgolang.org/x/sys\tv0.1.0\th1:…\n').deps[0];
 *   // { path: 'golang.org/x/sys', version: 'v0.1.0' }
 */
export function parseModInfo(goVersion: string, modinfo: string): GoBuildInfo {
  const info: GoBuildInfo = { goVersion, deps: [], problems: [] };
  let last: BinaryModule | undefined;
  for (const [index, line] of modinfo.split('\n').entries()) {
    if (line.trim() === '') continue;
    const fields = line.split('\t');
    const [kind, path = '', version = ''] = fields;
    switch (kind) {
      case 'mod':
      case 'dep': {
        if (path === '') {
          info.problems.push(`module info line ${index + 1}: "${kind}" without a module path`);
          last = undefined;
          break;
        }
        last = { path, version };
        if (kind === 'mod') info.main = last;
        else info.deps.push(last);
        break;
      }
      case '=>':
        if (last === undefined || last.replace !== undefined || path === '') info.problems.push(`module info line ${index + 1}: replacement without a module to replace`);
        else last.replace = { path, version };
        break;
      case 'path':
      case 'build':
      case 'go':
        break;
      default:
        info.problems.push(`module info line ${index + 1}: unknown kind "${(kind ?? '').slice(0, 20)}"`);
    }
  }
  return info;
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
