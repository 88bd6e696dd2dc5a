/**
 * A push parser for one tar stream (a layer): feed it chunks in order with
 * `write`, then `end`. It calls the visitor synchronously for each entry and
 * hands over the body only of the entries the visitor asks for; every other
 * body is skipped without copying. Memory is one header block, the long
 * headers (bounded by `maxHeaderBytes`) and the bodies asked for.
 *
 * Written for the hot path rather than on tar-stream: no stream object,
 * promise or callback per entry, header errors reported with their offset,
 * and name bytes handed over undecoded-then-strictly-decoded (see tar-entry).
 *
 * @example
 *   const parser = new TarParser(visitor, { where: 'image.tar: layer 1', maxHeaderBytes: 4 << 20, maxPathBytes: 4096 });
 *   for await (const chunk of stream) parser.write(chunk);
 *   parser.end();
 */
import { StellaError } from '../../core/errors.js';
import { BLOCK, decodeHeader, isZeroBlock, padding } from './tar-header.js';
import type { RawHeader } from './tar-header.js';
import { LongHeaders } from './tar-entry.js';
import { printable } from './warnings.js';
import type { TarEntry } from './tar-entry.js';

/** Receives the entries of a tar stream, synchronously, in order. */
export interface TarVisitor {
  /** Called for each entry in order. Return true to receive its data in `contents`. */
  entry(entry: TarEntry): boolean;
  /** The whole data of an entry `entry` asked for. */
  contents(entry: TarEntry, data: Buffer): void;
}

/** Error-message prefix and the bounds on long headers and paths. */
export interface TarParserOptions {
  /** Prefix of error messages: the input and the layer. */
  where: string;
  maxHeaderBytes: number;
  maxPathBytes: number;
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
  private readonly block = Buffer.allocUnsafe(BLOCK);
  private blockFill = 0;
  private headerOffset = 0;
  // data of the current entry (or long header): bytes left, then padding left
  private dataLeft = 0;
  private padLeft = 0;
  private current: TarEntry | undefined;
  private captured: Buffer[] | undefined;
  private longType: LongType = 'pax';
  private longParts: Buffer[] | undefined; // undefined: the long header is being skipped
  private pendingSparse: RawHeader | undefined;
  private readonly long = new LongHeaders();

  constructor(
    private readonly visitor: TarVisitor,
    private readonly options: TarParserOptions,
  ) {}

  /** Feeds the next chunk of the tar stream. Throws StellaError TAR_CORRUPT on a malformed archive. */
  write(chunk: Buffer): void {
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      if (this.state === State.Data || this.state === State.LongHeader) {
        const take = Math.min(this.dataLeft, length - pos);
        if (take > 0) {
          const part = chunk.subarray(pos, pos + take);
          if (this.state === State.Data) this.captured?.push(part);
          else this.longParts?.push(part);
          this.dataLeft -= take;
          pos += take;
          this.offset += take;
        }
        if (this.dataLeft > 0) return;
        const skip = Math.min(this.padLeft, length - pos);
        this.padLeft -= skip;
        pos += skip;
        this.offset += skip;
        if (this.padLeft > 0) return;
        if (this.state === State.Data) this.finishData();
        else this.finishLongHeader();
        continue;
      }
      if (this.state === State.Done) {
        // Data after the end-of-archive marker (record padding) is ignored, as by every tar reader.
        this.offset += length - pos;
        return;
      }
      // A header block: parse it in place when the chunk holds all of it.
      if (this.blockFill === 0) this.headerOffset = this.offset;
      let header: Buffer;
      if (this.blockFill === 0 && length - pos >= BLOCK) {
        header = chunk.subarray(pos, pos + BLOCK);
        pos += BLOCK;
        this.offset += BLOCK;
      } else {
        const take = Math.min(BLOCK - this.blockFill, length - pos);
        chunk.copy(this.block, this.blockFill, pos, pos + take);
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

  /** The stream ended: throws TAR_CORRUPT when it ended inside an entry or header. */
  end(): void {
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

  private onBlock(header: Buffer): void {
    const { where } = this.options;
    if (this.state === State.AfterZeroBlock) {
      // As Go's archive/tar: one zero block must be followed by another, or the archive is corrupt.
      if (!isZeroBlock(header)) {
        throw new StellaError('TAR_CORRUPT', `${where}: data after a zero block at offset ${this.headerOffset - BLOCK}`);
      }
      this.state = State.Done;
      return;
    }
    if (this.state === State.SparseExtension) {
      // GNU sparse extension blocks: 21 map entries, then the "more follow" flag at 504.
      if (header[504] === 0) this.startEntry(this.pendingSparse);
      return;
    }
    const raw = decodeHeader(header, this.headerOffset, where);
    if (raw === undefined) {
      if (this.long.waiting) throw new StellaError('TAR_CORRUPT', `${where}: end of archive right after a long header at offset ${this.headerOffset}`);
      this.state = State.AfterZeroBlock;
      return;
    }
    switch (raw.type) {
      case 'pax':
      case 'pax-global':
      case 'gnu-long-name':
      case 'gnu-long-link':
        this.longType = raw.type;
        if (raw.size > this.options.maxHeaderBytes) {
          // Skip the header's data unread; the entry it describes is skipped with the reason.
          this.long.reject(`${raw.type} header of ${raw.size} bytes exceeds the limit of ${this.options.maxHeaderBytes}`);
          this.longParts = undefined;
        } else this.longParts = [];
        this.dataLeft = raw.size;
        this.padLeft = padding(raw.size);
        this.state = State.LongHeader;
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

  private startEntry(raw: RawHeader | undefined): void {
    if (raw === undefined) throw new StellaError('INTERNAL', `${this.options.where}: sparse header lost`);
    this.pendingSparse = undefined;
    const entry = this.long.finish(raw, this.entries++, this.headerOffset, this.options.maxPathBytes);
    const wanted = this.visitor.entry(entry);
    this.current = entry;
    this.captured = wanted && entry.size > 0 ? [] : undefined;
    this.dataLeft = entry.size;
    this.padLeft = padding(entry.size);
    if (entry.size > 0) {
      this.state = State.Data;
      return;
    }
    this.state = State.Header;
    if (wanted) this.visitor.contents(entry, EMPTY);
  }

  private finishData(): void {
    this.state = State.Header;
    const entry = this.current;
    const parts = this.captured;
    this.captured = undefined;
    if (entry !== undefined && parts !== undefined) {
      this.visitor.contents(entry, parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, entry.size));
    }
  }

  private finishLongHeader(): void {
    this.state = State.Header;
    const parts = this.longParts;
    this.longParts = undefined;
    if (parts === undefined) return;
    this.long.apply(this.longType, parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts), this.headerOffset, this.options.where);
  }
}

const EMPTY = Buffer.alloc(0);
