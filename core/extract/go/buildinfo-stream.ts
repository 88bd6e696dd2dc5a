/**
 * Go build info read from a file as it streams past (`Extractor.stream`),
 * so that the other executables of a `bin` folder — a 90 MB `node` — are
 * never held whole. Decided from the head of the file:
 *
 * 1. not ELF (the first bytes say so) → not Go, done;
 * 2. the ELF header, program headers and PT_NOTE segments are kept (they
 *    sit at the start of the file; if they reach past `MAX_HEAD`, the
 *    whole file is needed);
 * 3. a Go build-ID note (elf-note.ts) → the whole file is needed: a real Go
 *    binary is read by `readGoBuildInfo`, with its section lookup and the
 *    pre-1.18 pointers back into the image;
 * 4. otherwise only the first writable PT_LOAD segment is looked at, as it
 *    streams past: the magic within Go's 64 KiB window (kept, at most the
 *    window), then, for the inline layout, the strings after it (kept,
 *    bounded like the whole-file read). Not found → not Go, done: the rest
 *    of the file is never read. The pointer layout without a note cannot be
 *    followed back into bytes already passed: a warning says so.
 *
 * Every step reuses buildinfo.ts on the bytes kept, so the outcome is the
 * whole-file one; the tests feed every fixture both ways in many chunkings.
 * The one case a streamed read can differ: an ELF file without the Go note
 * whose `.go.buildinfo` section (named in section headers at the end of the
 * file) is not where the data segment search finds it.
 *
 * @example
 *   const sink = new BuildInfoSink(size);
 *   for (const part of parts) if (!sink.write(part)) break;
 *   const read = sink.end(); // { $case: 'whole' } for a Go binary, a BuildInfoRead otherwise
 */
import { STREAM_HEAD_BYTES } from '../extractor.js';
import { BUILD_INFO_SEARCH_WINDOW, dataSegmentStart, findBuildInfoHeader, inlineSpan, isInline, readInlineBuildInfo } from './buildinfo.js';
import type { BuildInfoRead, DataStart } from './buildinfo.js';
import { ELF_HEADER_SIZE, programHeadersEnd, readElf } from './elf.js';
import { hasGoBuildIdNote, noteRanges } from './elf-note.js';

/** The head (ELF header, program headers, notes) is kept up to this; the caller keeps as much for a fallback. */
const MAX_HEAD = STREAM_HEAD_BYTES;

/**
 * What a streamed read ends with: a build-info read as `readGoBuildInfo`
 * gives, `whole` (read the file whole), or `unreadable` (pre-1.18 layout
 * without a note: its pointers lead back into bytes already passed).
 *
 * @example
 *   if (outcome.$case === 'whole') return readGoBuildInfo(wholeFile);
 */
export type StreamedBuildInfo = BuildInfoRead | { $case: 'whole' } | { $case: 'unreadable' };

type Phase = { at: 'head' } | { at: 'data'; start: DataStart } | { at: 'strings'; header: number };

/** Build info from a stream of parts (see the module comment). */
export class BuildInfoSink {
  private fed = 0;
  /** File bytes [keptFrom, keptFrom + keptLength), kept while they may be needed. */
  private kept = new Uint8Array(0);
  private keptFrom = 0;
  private keptLength = 0;
  /** Bytes from this offset on are not kept (yet). */
  private keepUntil: number;
  private phase: Phase = { at: 'head' };
  private outcome: StreamedBuildInfo | undefined;

  /** @param size the file's size in bytes */
  constructor(private size: number) {
    this.keepUntil = Math.min(size, ELF_HEADER_SIZE);
  }

  /** Takes the next part of the file; true while more bytes are wanted. */
  write(part: Uint8Array): boolean {
    const base = this.fed;
    this.fed += part.byteLength;
    // A step may want more of this same part (the program headers after the ELF header): take again.
    while (this.outcome === undefined) {
      this.take(part, base);
      if (!this.step()) break;
    }
    return this.outcome === undefined;
  }

  /** The outcome. A file that ended before its stated size is decided on the bytes it had. */
  end(): StreamedBuildInfo {
    if (this.outcome === undefined && this.fed < this.size) {
      this.size = this.fed;
      this.keepUntil = Math.min(this.keepUntil, this.fed);
      while (this.outcome === undefined && this.step());
    }
    return this.outcome ?? { $case: 'not-go' };
  }

  /** Copies what `part` (file bytes from `base`) holds of [keptFrom + keptLength, keepUntil). */
  private take(part: Uint8Array, base: number): void {
    const from = Math.max(base, this.keptFrom + this.keptLength);
    const to = Math.min(base + part.byteLength, this.keepUntil);
    if (to <= from) return;
    const need = to - this.keptFrom;
    if (need > this.kept.byteLength) {
      const grown = new Uint8Array(Math.min(Math.max(need, 2 * this.kept.byteLength, 256), this.keepUntil - this.keptFrom));
      grown.set(this.kept.subarray(0, this.keptLength));
      this.kept = grown;
    }
    this.kept.set(part.subarray(from - base, to - base), from - this.keptFrom);
    this.keptLength = need;
  }

  /** One step, once the bytes it waits for are kept: true when it changed what is kept or decided. */
  private step(): boolean {
    if (this.keptFrom + this.keptLength < this.keepUntil) return false;
    const { phase, keepUntil } = this;
    if (phase.at === 'head') this.head();
    else if (phase.at === 'data') this.search(phase.start);
    else this.strings(phase.header);
    return this.outcome !== undefined || this.phase !== phase || this.keepUntil !== keepUntil;
  }

  /** Grows the head to the ELF header, program headers and notes; then decides. */
  private head(): void {
    const head = this.kept.subarray(0, this.keptLength);
    const phEnd = programHeadersEnd(head);
    const elf = phEnd === undefined ? undefined : readElf(head);
    if (phEnd === undefined || elf === undefined) {
      this.outcome = { $case: 'not-go' };
      return;
    }
    const needed = Math.min(this.size, Math.max(ELF_HEADER_SIZE, phEnd, ...noteRanges(elf, this.size).map((r) => r.end)));
    if (needed > this.keptLength) {
      if (needed > MAX_HEAD) this.outcome = { $case: 'whole' };
      else this.keepUntil = needed;
      return;
    }
    if (hasGoBuildIdNote(elf)) {
      this.outcome = { $case: 'whole' };
      return;
    }
    const start = dataSegmentStart(elf.segments, this.size);
    if (start === undefined) {
      this.outcome = { $case: 'not-go' };
      return;
    }
    this.rebase(start.offset, Math.min(this.size, start.offset + BUILD_INFO_SEARCH_WINDOW));
    this.phase = { at: 'data', start };
  }

  /** The search window is kept: looks for the magic at each candidate offset, as `readGoBuildInfo` does. */
  private search(start: DataStart): void {
    const at = findBuildInfoHeader(this.kept.subarray(0, this.keptLength), this.keptFrom, start);
    if (at === undefined) {
      this.outcome = { $case: 'not-go' };
      return;
    }
    if (!isInline(this.kept, at - this.keptFrom)) {
      this.outcome = { $case: 'unreadable' };
      return;
    }
    this.rebase(at, this.size);
    this.phase = { at: 'strings', header: at };
    this.strings(at);
  }

  /** Parses the strings once the bytes they span are kept (or the file has ended). */
  private strings(header: number): void {
    const kept = this.kept.subarray(0, this.keptLength);
    const span = inlineSpan(kept, 0);
    // While a length is cut off, wait for a few bytes more; then for all the strings, at most to the end of the file.
    const until = Math.min(this.size, header + (span ?? this.keptLength + 16));
    if (until > header + this.keptLength) {
      this.keepUntil = until;
      return;
    }
    this.outcome = readInlineBuildInfo(kept, 0);
  }

  /** Keeps file bytes from `from` (kept already, or still to come) up to `until`; drops the rest. */
  private rebase(from: number, until: number): void {
    const end = this.keptFrom + this.keptLength;
    const reuse = from < end ? this.kept.slice(from - this.keptFrom, this.keptLength) : new Uint8Array(0);
    this.kept = reuse;
    this.keptFrom = from;
    this.keptLength = reuse.byteLength;
    this.keepUntil = until;
  }
}
