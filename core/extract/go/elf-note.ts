/**
 * The Go build-ID note: the Go linker writes a note named `Go` of type 4
 * (the build ID `go build` caches by) into every ELF executable it links,
 * internally or through the system linker, in a PT_NOTE segment near the
 * start of the file. A streamed read uses it to tell a Go binary from the
 * other executables in a `bin` folder from the first few KiB: only a Go
 * binary is worth reading whole. The walk over notes follows Go's own
 * (cmd/internal/buildid): 4-byte padded name and descriptor, entries aligned
 * to the segment's alignment.
 *
 * @example
 *   const elf = readElf(head);
 *   if (elf !== undefined && hasGoBuildIdNote(elf)) …read the whole file…
 */
import { PT_NOTE } from './elf.js';
import type { Elf, ElfSegment } from './elf.js';

/** The note type the Go linker gives its build ID (ELF_NOTE_GOBUILDID_TAG). */
const GO_BUILD_ID_TYPE = 4;
const NOTE_HEADER = 12;

/**
 * The PT_NOTE segments of `elf`, as file ranges cut at `size` (the file's
 * size): what a head must hold for `hasGoBuildIdNote` to see them all.
 *
 * @example
 *   const end = Math.max(0, ...noteRanges(elf, size).map((r) => r.end));
 */
export function noteRanges(elf: Elf, size: number): { start: number; end: number }[] {
  return elf.segments
    .filter((s) => s.type === PT_NOTE && s.offset < size)
    .map((s) => ({ start: s.offset, end: Math.min(size, s.offset + s.filesz) }));
}

/**
 * True when a PT_NOTE segment held in `elf.bytes` carries the Go build-ID note.
 *
 * @example
 *   hasGoBuildIdNote(readElf(goBinary)); // true
 *   hasGoBuildIdNote(readElf(cProgram)); // false
 */
export function hasGoBuildIdNote(elf: Elf): boolean {
  return elf.segments.some((segment) => segment.type === PT_NOTE && segmentHasGoNote(elf, segment));
}

function segmentHasGoNote(elf: Elf, segment: ElfSegment): boolean {
  const { view, little, bytes } = elf;
  const end = Math.min(bytes.byteLength, segment.offset + segment.filesz);
  // Notes are aligned to 4 or 8; any other value is treated as 4 rather than trusted to skip ahead.
  const align = segment.align === 8 ? 8 : 4;
  let at = segment.offset;
  // Each step moves at least 12 bytes forward, so a hostile segment ends the loop quickly.
  while (at + NOTE_HEADER + 4 <= end) {
    const nameSize = view.getUint32(at, little);
    const descSize = view.getUint32(at + 4, little);
    const type = view.getUint32(at + 8, little);
    const name = at + NOTE_HEADER;
    if (type === GO_BUILD_ID_TYPE && (nameSize === 3 || nameSize === 4) && isGoName(bytes, name) && name + 4 + descSize <= end) return true;
    const next = name + pad(nameSize, 4) + pad(descSize, 4);
    at = pad(next, align);
  }
  return false;
}

/** `Go\0`, padded with a NUL to four bytes. */
function isGoName(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0x47 && bytes[at + 1] === 0x6f && bytes[at + 2] === 0 && bytes[at + 3] === 0;
}

function pad(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
