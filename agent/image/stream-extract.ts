/**
 * One file read as a stream by the extractors that want it, when every one
 * of them can (`Extractor.stream`): the tar parser (or a folder walk) hands
 * the parts over as they pass, and the file is read only as far as some
 * extractor still wants it — a 90 MB executable that is not a Go binary is
 * never held in memory. The result is what `runExtractors` gives on the
 * whole file, packages and warnings in extractor order.
 *
 * An extractor may still ask for the whole file on a part that begins within
 * its first `STREAM_HEAD_BYTES` (a Go binary): the parts before such a part
 * are kept (copied, only while some extractor is still reading), so that
 * file is then gathered whole and handed to its `extract` as before.
 *
 * @example
 *   if (canStream(fit)) return new StreamedFile(fit, { path, size }, warn, (packages) => store(path, packages));
 */
import { describeError } from '../../core/errors.js';
import { STREAM_HEAD_BYTES } from '../../core/extract/extractor.js';
import type { AnyExtractor, ExtractResult, ExtractSink, StreamInput } from '../../core/extract/extractor.js';
import type { TarBodySink } from '../../core/archive/tar/parser.js';
import type { ExtractedPackage } from '../../core/model/package.js';
import { runExtractors } from './run-extractors.js';

/**
 * True when there are extractors and each can read a file as a stream.
 *
 * @example
 *   canStream([goBinaryExtractor]); // true
 *   canStream([goBinaryExtractor, dpkgExtractor]); // false: dpkg reads whole files
 */
export function canStream(extractors: readonly AnyExtractor[]): boolean {
  return extractors.length > 0 && extractors.every((extractor) => extractor.stream !== undefined);
}

/** What one extractor gave: still reading, a result, the whole file wanted, or nothing (it failed). */
type Slot = { sink: ExtractSink } | { result: ExtractResult } | 'whole' | 'failed';

/** A `TarBodySink` running the streaming extractors of one file (see the module comment). */
export class StreamedFile implements TarBodySink {
  private readonly slots: Slot[];
  private fed = 0;
  /** Where the last part began. */
  private lastStart = 0;
  /** Copies of the parts that end within the head, while an extractor is still reading. */
  private head: Uint8Array[] = [];
  private whole: Uint8Array | undefined;
  private finished = false;

  /**
   * @param extractors each with `stream`, each admitting `file.size`
   * @param done receives the packages (a Promise when an asynchronous extractor read the whole file)
   */
  constructor(
    private readonly extractors: readonly AnyExtractor[],
    private readonly file: StreamInput,
    private readonly warn: (message: string) => void,
    private readonly done: (packages: ExtractedPackage[] | Promise<ExtractedPackage[]>) => void,
  ) {
    this.slots = extractors.map((extractor) => this.attempt(() => {
      const sink = extractor.stream?.(file);
      return sink === undefined ? 'whole' : { sink };
    }));
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] === 'whole') this.stop(i, 'whole', undefined, 0);
    if (file.size === 0) this.end();
  }

  /** Feeds the part to every extractor still reading; false once none is and the whole file is not needed. */
  write(part: Uint8Array): boolean {
    if (this.finished) return false;
    const start = this.fed;
    this.lastStart = start;
    this.fed += part.byteLength;
    this.gather(part, start);
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (typeof slot !== 'object' || !('sink' in slot)) continue;
      const more = this.attempt(() => slot.sink.write(part));
      if (more !== true) this.stop(i, more === 'failed' ? 'failed' : this.attempt(() => outcome(slot.sink)), part, start);
    }
    const reading = this.reading();
    // Only a part that ends within the head can come before one an extractor may still ask the whole file on.
    if (this.whole === undefined && this.fed < STREAM_HEAD_BYTES && reading) this.head.push(part.slice());
    else if (!reading) this.head = [];
    // The last part is handled while it is still valid: an extractor may ask for the whole file there.
    if (this.fed >= this.file.size || (!reading && this.whole === undefined)) this.finish(part, start);
    return !this.finished;
  }

  /** The file is over: ends every extractor still reading and hands the packages over, once. */
  end(): void {
    this.finish(undefined, this.lastStart);
  }

  /** `end`, with the last part when it is still valid. */
  private finish(part: Uint8Array | undefined, start: number): void {
    if (this.finished) return;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (typeof slot === 'object' && 'sink' in slot) this.stop(i, this.attempt(() => outcome(slot.sink)), part, start);
    }
    this.finished = true;
    this.head = [];
    const whole = this.whole?.subarray(0, Math.min(this.fed, this.file.size));
    const results = this.slots.map((slot, i): ExtractedPackage[] | Promise<ExtractedPackage[]> => {
      const extractor = this.extractors[i];
      if (slot === 'whole' && whole !== undefined && extractor !== undefined) return runExtractors([extractor], this.file.path, whole, this.warn);
      if (typeof slot !== 'object' || !('result' in slot)) return [];
      for (const message of slot.result.warnings ?? []) this.warn(message);
      return slot.result.packages;
    });
    this.whole = undefined;
    this.done(results.some((r) => r instanceof Promise) ? Promise.all(results).then((all) => all.flat()) : (results as ExtractedPackage[][]).flat());
  }

  /** Records how extractor `i` finished; the whole file, if asked for, is gathered from here on. */
  private stop(i: number, finished: Slot, part: Uint8Array | undefined, start: number): void {
    this.slots[i] = finished;
    if (finished !== 'whole' || this.whole !== undefined) return;
    const kept = this.head.reduce((n, p) => n + p.byteLength, 0);
    const problem = start >= STREAM_HEAD_BYTES
      ? `${this.extractors[i]?.name ?? 'an extractor'} asked for the whole file after its first ${STREAM_HEAD_BYTES} bytes`
      : (part === undefined ? kept : start + part.byteLength) < Math.min(this.fed, this.file.size) ? 'changed while it was read' : undefined;
    if (problem !== undefined) {
      this.slots[i] = 'failed';
      this.warn(`${this.file.path}: ${problem}; not read`);
      return;
    }
    this.whole = new Uint8Array(this.file.size);
    let at = 0;
    for (const kept of this.head) {
      this.gather(kept, at);
      at += kept.byteLength;
    }
    if (part !== undefined) this.gather(part, start);
  }

  /** Copies file bytes from `at` into the whole file being gathered; a file grown since its size was taken is cut there. */
  private gather(part: Uint8Array, at: number): void {
    if (this.whole === undefined || at >= this.whole.byteLength) return;
    this.whole.set(part.subarray(0, this.whole.byteLength - at), at);
  }

  private reading(): boolean {
    return this.slots.some((slot) => typeof slot === 'object' && 'sink' in slot);
  }

  /** Runs one extractor call; a throw becomes a warning naming the file, as in `runExtractors`. */
  private attempt<T>(call: () => T): T | 'failed' {
    try {
      return call();
    } catch (error) {
      const message = describeError(error);
      this.warn(message.startsWith(`${this.file.path}:`) ? message : `${this.file.path}: ${message}`);
      return 'failed';
    }
  }
}

function outcome(sink: ExtractSink): Slot {
  const ended = sink.end();
  return ended.$case === 'whole' ? 'whole' : { result: ended.result };
}
