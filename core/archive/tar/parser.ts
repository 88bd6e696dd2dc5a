/**
 * The project's one tar reader: a push parser for one tar stream (a layer,
 * an outer image archive, a kit). Feed it chunks in order with `write`, then
 * `end`. It calls the visitor synchronously for each entry and hands over
 * the body only of the entries the visitor asks for; every other body is
 * skipped without copying — or, by a caller reading a file at random, not
 * read at all (`skippable` / `skip`). A body is asked for whole or as a
 * stream (`TarBodySink`: its parts, uncopied, until it has had enough; the
 * rest is then skipped like an unwanted body). Memory is one header block,
 * the long headers (bounded by `maxHeaderBytes`) and the whole bodies asked for.
 *
 * Written for the hot path: no stream object, promise or callback per
 * entry, header errors reported with their offset, and name bytes decoded
 * strictly (see entry.ts). `strict: true` is the mode for kits: POSIX ustar
 * regular files and directories only, pax for paths only, zero padding, the
 * end-of-archive marker required and nothing but zeros after it (strict.ts).
 *
 * @example
 *   const parser = new TarParser(visitor, { where: 'image.tar: layer 1', maxHeaderBytes: 4 << 20, maxPathBytes: 4096 });
 *   for await (const chunk of stream) parser.write(chunk);
 *   parser.end();
 */
import { StellaError } from '../../errors.js';
import { concatBytes, isAllZero, printable } from '../bytes.js';
import { BLOCK, decodeHeader, isZeroBlock, padding } from './header.js';
import type { RawHeader } from './header.js';
import { LongHeaders } from './entry.js';
import type { TarEntry } from './entry.js';
import { checkStrictEntry, checkStrictType, isStrictLongHeader, strictEndError } from './strict.js';

/** Receives the entries of a tar stream, synchronously, in order. */
export interface TarVisitor {
  /** Called for each entry in order: true for its data whole in `contents`, a sink for it as a stream. May throw to stop the read. */
  entry(entry: TarEntry): boolean | TarBodySink;
  /** The whole data of an entry `entry` asked for with true. */
  contents(entry: TarEntry, data: Uint8Array): void;
}

/**
 * An entry's body as a stream: `write` gets its parts in order (views into
 * the chunk being parsed, valid only during the call) while it returns true;
 * `end` is called once, when the body is over or right after `write`
 * returned false (at once for an empty body). Either may throw to stop the read.
 *
 * @example
 *   const sink: TarBodySink = { write: (part) => hash.update(part) !== undefined, end: () => done() };
 */
export interface TarBodySink {
  write(part: Uint8Array): boolean;
  end(): void;
}

/** Error-message prefix, the bounds on long headers and paths, and the mode. */
export interface TarParserOptions {
  /** Prefix of error messages: the input and the layer. */
  where: string;
  maxHeaderBytes: number;
  maxPathBytes: number;
  /** A long header over `maxHeaderBytes`: skip the entry it describes (default) or fail with LIMIT_EXCEEDED. */
  oversizedHeader?: 'skip' | 'error';
  /** Kit mode (see the module comment); implies `oversizedHeader: 'error'`. */
  strict?: boolean;
}

const enum State {
  Header,
  Data,
  LongHeader,
  SparseExtension,
  AfterZeroBlock,
  Done,
}

type LongType = 'pax' | 'pax-global' | 'gnu-long-name' | 'gnu-long-link';

/** The push parser (see the module comment). */
export class TarParser {
  /** Entries seen (long headers not counted). */
  entries = 0;
  private state = State.Header;
  private offset = 0; // stream offset of the next byte
  private readonly block = new Uint8Array(BLOCK);
  private blockFill = 0;
  private headerOffset = 0;
  // data of the current entry (or long header): bytes left, then padding left
  private dataLeft = 0;
  private padLeft = 0;
  private current: TarEntry | undefined;
  private capturing = false;
  private captured: Uint8Array | undefined; // the body, preallocated once it spans chunks
  private capturedFill = 0;
  private sink: TarBodySink | undefined; // the current body's sink, until it has had enough
  private longType: LongType = 'pax';
  private longParts: Uint8Array[] | undefined; // undefined: the long header is being skipped
  private pendingSparse: RawHeader | undefined;
  private readonly long: LongHeaders;
  private readonly strict: boolean;

  constructor(
    private readonly visitor: TarVisitor,
    private readonly options: TarParserOptions,
  ) {
    this.strict = options.strict === true;
    this.long = new LongHeaders(this.strict);
  }

  /** True once the end-of-archive marker has been read: nothing after it is an entry. */
  get finished(): boolean {
    return this.state === State.Done;
  }

  /** Bytes of the current body that nobody asked for and that may be skipped unread with `skip`. */
  get skippable(): number {
    return this.state === State.Data && !this.capturing && this.sink === undefined ? this.dataLeft : 0;
  }

  /** Advances over `length` bytes of an unwanted body without reading them (at most `skippable`). */
  skip(length: number): void {
    if (length > this.skippable) throw new StellaError('INTERNAL', `${this.options.where}: cannot skip ${length} bytes here`);
    this.dataLeft -= length;
    this.offset += length;
  }

  /** Feeds the next chunk of the tar stream. Throws StellaError TAR_CORRUPT on a malformed archive. */
  write(chunk: Uint8Array): void {
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      if (this.state === State.Data || this.state === State.LongHeader) {
        pos = this.body(chunk, pos);
        if (this.dataLeft > 0 || this.padLeft > 0) return;
        if (this.state === State.Data) this.finishData();
        else this.finishLongHeader();
        continue;
      }
      if (this.state === State.Done) {
        // Data after the end-of-archive marker (record padding) is ignored, as by every tar reader; strict: zeros only.
        if (this.strict && !isAllZero(chunk.subarray(pos))) {
          throw new StellaError('TAR_CORRUPT', `${this.options.where}: has data after the end-of-archive marker (from offset ${this.offset})`);
        }
        this.offset += length - pos;
        return;
      }
      // A header block: parse it in place when the chunk holds all of it.
      if (this.blockFill === 0) this.headerOffset = this.offset;
      let header: Uint8Array;
      if (this.blockFill === 0 && length - pos >= BLOCK) {
        header = chunk.subarray(pos, pos + BLOCK);
        pos += BLOCK;
        this.offset += BLOCK;
      } else {
        const take = Math.min(BLOCK - this.blockFill, length - pos);
        this.block.set(chunk.subarray(pos, pos + take), this.blockFill);
        this.blockFill += take;
        pos += take;
        this.offset += take;
        if (this.blockFill < BLOCK) return;
        this.blockFill = 0;
        header = this.block;
      }
      this.onBlock(header);
    }
  }

  /** The stream ended: throws TAR_CORRUPT when it ended inside an entry or header (strict: also without the end marker). */
  end(): void {
    if (this.strict) this.endStrict();
    const { where } = this.options;
    if (this.state === State.Data) {
      const name = this.current?.name === undefined ? 'an entry' : printable(this.current.name);
      const missing = this.dataLeft > 0 ? `${this.dataLeft} bytes of data missing` : 'padding missing';
      throw new StellaError('TAR_CORRUPT', `${where}: unexpected end of archive inside ${name} (header at offset ${this.headerOffset}, ${missing})`);
    }
    if (this.blockFill > 0 || this.state === State.LongHeader || this.state === State.SparseExtension || this.long.waiting) {
      throw new StellaError('TAR_CORRUPT', `${where}: unexpected end of archive inside a header at offset ${this.headerOffset}`);
    }
    // End of stream at a block boundary, with or without the zero blocks: a complete archive.
  }

  /** Takes body (then padding) bytes of the current entry or long header from `chunk` at `pos`; returns the new position. */
  private body(chunk: Uint8Array, pos: number): number {
    const take = Math.min(this.dataLeft, chunk.length - pos);
    if (take > 0) {
      const part = chunk.subarray(pos, pos + take);
      if (this.state === State.LongHeader) this.longParts?.push(part);
      else if (this.capturing) this.capture(part);
      else if (this.sink !== undefined) this.feed(part);
      this.dataLeft -= take;
      pos += take;
      this.offset += take;
    }
    if (this.dataLeft > 0) return pos;
    const skip = Math.min(this.padLeft, chunk.length - pos);
    if (this.strict && skip > 0 && !isAllZero(chunk.subarray(pos, pos + skip))) {
      const what = this.state === State.LongHeader ? 'a pax header' : `'${printable(this.current?.name ?? '')}'`;
      throw new StellaError('TAR_CORRUPT', `${this.options.where}: has non-zero padding after ${what} at offset ${this.offset}`);
    }
    this.padLeft -= skip;
    this.offset += skip;
    return pos + skip;
  }

  /** A body that lies in one chunk is handed over as a view; one that spans chunks is copied once into its own array. */
  private capture(part: Uint8Array): void {
    const size = this.current?.size ?? 0;
    if (this.captured === undefined && this.capturedFill === 0 && part.length === size) {
      this.captured = part;
      this.capturedFill = size;
      return;
    }
    this.captured ??= new Uint8Array(size);
    this.captured.set(part, this.capturedFill);
    this.capturedFill += part.length;
  }

  /** Hands a part to the body's sink; once it needs nothing more, the rest of the body is skippable. */
  private feed(part: Uint8Array): void {
    const sink = this.sink;
    if (sink === undefined || sink.write(part)) return;
    this.sink = undefined;
    sink.end();
  }

  private onBlock(header: Uint8Array): void {
    const { where } = this.options;
    if (this.state === State.AfterZeroBlock) {
      // As Go's archive/tar: one zero block must be followed by another, or the archive is corrupt.
      if (!isZeroBlock(header)) {
        const problem = this.strict ? `has a zero block at offset ${this.headerOffset - BLOCK} that is not followed by another` : `data after a zero block at offset ${this.headerOffset - BLOCK}`;
        throw new StellaError('TAR_CORRUPT', `${where}: ${problem}`);
      }
      this.state = State.Done;
      return;
    }
    if (this.state === State.SparseExtension) {
      // GNU sparse extension blocks: 21 map entries, then the "more follow" flag at 504.
      if (header[504] === 0) this.startEntry(this.pendingSparse);
      return;
    }
    const raw = decodeHeader(header, this.headerOffset, where, this.strict);
    if (raw === undefined) {
      if (this.long.waiting) {
        const problem = this.strict ? `has a pax header before offset ${this.headerOffset} with no entry after it` : `end of archive right after a long header at offset ${this.headerOffset}`;
        throw new StellaError('TAR_CORRUPT', `${where}: ${problem}`);
      }
      this.state = State.AfterZeroBlock;
      return;
    }
    if (this.strict) {
      if (isStrictLongHeader(raw)) {
        if (this.long.waiting) throw new StellaError('TAR_CORRUPT', `${where}: has two pax headers in a row at offset ${this.headerOffset}`);
        this.startLongHeader('pax', raw.size);
        return;
      }
      checkStrictType(raw, this.headerOffset, where);
      this.startEntry(raw);
      return;
    }
    switch (raw.type) {
      case 'pax':
      case 'pax-global':
      case 'gnu-long-name':
      case 'gnu-long-link':
        this.startLongHeader(raw.type, raw.size);
        return;
      default:
        if (raw.sparseExtended) {
          this.pendingSparse = raw;
          this.state = State.SparseExtension;
          return;
        }
        this.startEntry(raw);
    }
  }

  private startLongHeader(type: LongType, size: number): void {
    const { maxHeaderBytes, where } = this.options;
    this.longType = type;
    if (size > maxHeaderBytes) {
      const problem = `${type} header of ${size} bytes exceeds the limit of ${maxHeaderBytes}`;
      if (this.strict || this.options.oversizedHeader === 'error') {
        throw new StellaError('LIMIT_EXCEEDED', `${where}: ${type} header of ${size} bytes at offset ${this.headerOffset} exceeds the limit of ${maxHeaderBytes}`);
      }
      // Skip the header's data unread; the entry it describes is skipped with the reason.
      this.long.reject(problem);
      this.longParts = undefined;
    } else this.longParts = [];
    this.dataLeft = size;
    this.padLeft = padding(size);
    this.state = State.LongHeader;
  }

  private startEntry(raw: RawHeader | undefined): void {
    if (raw === undefined) throw new StellaError('INTERNAL', `${this.options.where}: sparse header lost`);
    this.pendingSparse = undefined;
    const entry = this.long.finish(raw, this.entries++, this.headerOffset, this.options.maxPathBytes);
    if (this.strict) checkStrictEntry(entry, raw, this.options.maxPathBytes, this.options.where);
    const wanted = this.visitor.entry(entry);
    const sink = typeof wanted === 'object' ? wanted : undefined;
    this.current = entry;
    this.capturing = wanted === true && entry.size > 0;
    this.sink = entry.size > 0 ? sink : undefined;
    this.captured = undefined;
    this.capturedFill = 0;
    this.dataLeft = entry.size;
    this.padLeft = padding(entry.size);
    if (entry.size > 0) {
      this.state = State.Data;
      return;
    }
    this.state = State.Header;
    if (wanted === true) this.visitor.contents(entry, EMPTY);
    sink?.end();
  }

  private finishData(): void {
    this.state = State.Header;
    const entry = this.current;
    const data = this.captured;
    const wanted = this.capturing;
    const sink = this.sink;
    this.capturing = false;
    this.captured = undefined;
    this.sink = undefined;
    if (entry !== undefined && wanted && data !== undefined) this.visitor.contents(entry, data);
    sink?.end();
  }

  private finishLongHeader(): void {
    this.state = State.Header;
    const parts = this.longParts;
    this.longParts = undefined;
    if (parts === undefined) return;
    this.long.apply(this.longType, concatBytes(parts), this.headerOffset, this.options.where);
  }

  private endStrict(): void {
    const { where } = this.options;
    const name = this.current?.name ?? '';
    if (this.offset === 0) throw strictEndError({ at: 'empty' }, where);
    if (this.state === State.Data) throw strictEndError({ at: this.dataLeft > 0 ? 'contents' : 'padding', name, offset: this.offset }, where);
    if (this.state === State.LongHeader) throw strictEndError({ at: 'pax', offset: this.offset }, where);
    if (this.state === State.AfterZeroBlock) throw strictEndError({ at: 'one-marker', offset: this.offset }, where);
    if (this.state !== State.Done) throw strictEndError({ at: this.blockFill > 0 ? 'header' : 'no-marker', offset: this.offset }, where);
  }
}

const EMPTY = new Uint8Array(0);
