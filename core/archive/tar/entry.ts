/**
 * One tar entry as the rest of the code sees it: the header block merged
 * with the pax or GNU long-name headers before it, and its name decoded.
 *
 * Names are bytes. They are decoded as strict UTF-8 (overlong forms and
 * encoded surrogates are errors, so no byte sequence can decode into `/` or
 * `.`); a name that is not UTF-8, or a pax path with a NUL in it, leaves
 * `name` undefined and says why in `problem` — the caller skips the entry.
 *
 * @example
 *   const long = new LongHeaders();
 *   long.apply('pax', body, offset, where);   // for each pax / L / K header
 *   const entry = long.finish(raw, ordinal, offset, limits.maxPathBytes);
 */
import type { EntryType, RawHeader } from './header.js';
import { dataSize } from './header.js';
import { applyPax, emptyPending } from './pax.js';
import type { Pending } from './pax.js';

/** One entry of a tar stream, long headers applied. */
export interface TarEntry {
  /** 0-based position among the entries of the archive (long headers not counted). */
  ordinal: number;
  /** Stream offset of the entry's own header block. */
  offset: number;
  type: EntryType;
  /** The typeflag byte of the header as stored. */
  typeflag: number;
  /** The decoded name; undefined when the entry must be skipped (see `problem`). */
  name: string | undefined;
  /** Link target for hardlinks and symlinks (undefined when not decodable). */
  linkname: string | undefined;
  /** Bytes of data after the header, padding excluded (0 for links, dirs, devices). */
  size: number;
  /** GNU sparse data: the stored bytes are not the file's contents. */
  sparse: boolean;
  /** Why `name` is undefined, printable. */
  problem: string | undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes name bytes; undefined when they are not UTF-8 or contain NUL.
 *
 * @example
 *   decodeName(Uint8Array.of(0xc0, 0xaf)); // undefined (overlong '/')
 */
export function decodeName(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A printable form of name bytes for messages: bytes that are not printable
 * ASCII as `\xNN`, cut at 200 bytes.
 *
 * @example
 *   printableBytes(Uint8Array.of(0x61, 0xff)); // 'a\\xff'
 */
export function printableBytes(bytes: Uint8Array): string {
  let out = '';
  const end = Math.min(bytes.length, 200);
  for (let i = 0; i < end; i++) {
    const byte = bytes[i] ?? 0;
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > end ? `${out}… (${bytes.length} bytes)` : out;
}

/** Pax (`x`) and GNU (`L`, `K`) headers seen since the last real entry. */
export class LongHeaders {
  private pending: Pending | undefined;

  /** @param strict pax records read strictly (see pax.ts); GNU long names are the parser's to refuse. */
  constructor(private readonly strict = false) {}

  /** True when a long header is waiting for its entry (end of archive here is an error). */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  /** Records the body of a long header. Global pax headers are ignored, as Go's archive/tar (and so containerd) does. */
  apply(type: EntryType, body: Uint8Array, offset: number, where: string): void {
    if (type === 'pax-global') return;
    const pending = this.state();
    if (type === 'gnu-long-name') pending.path = upToNul(body);
    else if (type === 'gnu-long-link') pending.linkpath = upToNul(body);
    else if (type === 'pax') applyPax(body, pending, offset, where, this.strict);
  }

  /** The next entry must be skipped (its long header was too large to read). */
  reject(problem: string): void {
    this.state().problem = problem;
  }

  /** Merges the pending long headers into `raw` and resets. */
  finish(raw: RawHeader, ordinal: number, offset: number, maxPathBytes: number): TarEntry {
    const pending = this.pending;
    this.pending = undefined;
    const nameBytes = pending?.path ?? raw.name;
    const linkBytes = pending?.linkpath ?? raw.linkname;
    const size = dataSize(raw.type, pending?.size ?? raw.size);
    let problem = pending?.problem;
    let name: string | undefined;
    if (problem === undefined) {
      if (nameBytes.length > maxPathBytes) problem = `path of ${nameBytes.length} bytes is longer than ${maxPathBytes}`;
      else {
        name = decodeName(nameBytes);
        if (name === undefined) {
          problem = nameBytes.includes(0) ? `name contains NUL: ${printableBytes(nameBytes)}` : `name is not valid UTF-8: ${printableBytes(nameBytes)}`;
        }
      }
    }
    const linkname = linkBytes.length > 0 && linkBytes.length <= maxPathBytes ? decodeName(linkBytes) : undefined;
    return {
      ordinal,
      offset,
      type: raw.type,
      typeflag: raw.typeflag,
      name: problem === undefined ? name : undefined,
      linkname,
      size,
      sparse: raw.type === 'gnu-sparse' || pending?.sparse === true,
      problem,
    };
  }

  private state(): Pending {
    this.pending ??= emptyPending();
    return this.pending;
  }
}

function upToNul(body: Uint8Array): Uint8Array {
  const nul = body.indexOf(0);
  return nul === -1 ? body : body.subarray(0, nul);
}
