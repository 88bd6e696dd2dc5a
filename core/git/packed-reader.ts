/**
 * Reading objects from the packs kept under objects/pack without loading a
 * pack whole (isomorphic-git reads a whole pack file to read one object of
 * it). Each pack's `.idx` is read once and searched by object id (fanout,
 * then a binary search of the sorted ids; 4- and 8-byte offsets); the entry
 * is then read from the pack with positioned reads and inflated alone, and
 * deltas are applied to their bases, recent ones kept in a cache bounded in
 * bytes. A large whole object can be streamed out without ever holding it.
 * The caller brings the file access (`OpenPackFile`: the agent's is a Node
 * FileHandle) and the inflaters, as for received packs.
 *
 * @example
 *   const packs = new PackedReader({ ops, gitdir, open: openPackFile, inflaters: packLimits });
 *   const object = await packs.read(oid); // undefined when no pack has it
 */
import { StellaError } from '../errors.js';
import { ByteCache } from './byte-cache.js';
import { applyDelta } from './delta.js';
import { OBJECT_TYPES, OFS_DELTA, REF_DELTA, readEntryHeader, type EntryHeader } from './pack-entries.js';
import { inflateEntry, inflateWhole, SpoolCursor, type EntryInflaters } from './pack-inflate.js';
import { MAX_OBJECT_BYTES, mib } from './pack-limits.js';
import type { StoreFsOps } from './store-fs.js';

/** A file read at positions. */
export interface PackFile {
  readonly size: number;
  /** `length` bytes from `offset` (fewer only past the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Opens a file of the repository for positioned reads. */
export type OpenPackFile = (path: string) => Promise<PackFile>;

/** An object read from a pack: its type name and content. */
export interface PackedObject {
  type: string;
  data: Uint8Array;
}

export interface PackedReaderOptions {
  ops: StoreFsOps;
  gitdir: string;
  open: OpenPackFile;
  inflaters: EntryInflaters;
  /** Default MAX_OBJECT_BYTES. */
  maxObjectBytes?: number;
}

/** Bytes of objects kept for the deltas that build on them. */
const CACHE_BYTES = 32 << 20;
/** Longer delta chains than git ever writes (its default depth is 50) mean a broken or hostile pack. */
const MAX_CHAIN = 4096;

interface Pack {
  name: string;
  file: PackFile;
  cursor: SpoolCursor;
  idx: Uint8Array;
  count: number;
}

/** Objects of the kept packs, read one entry at a time. */
export class PackedReader {
  private packs: Pack[] = [];
  private listed = '';
  /** Resolved objects by `<pack>:<offset>`. */
  private readonly cache = new ByteCache<string, PackedObject>(CACHE_BYTES, (object) => object.data.length);
  private readonly maxObject: number;

  constructor(private readonly options: PackedReaderOptions) {
    this.maxObject = options.maxObjectBytes ?? MAX_OBJECT_BYTES;
  }

  /** The object, or undefined when no pack holds it. */
  async read(oid: string): Promise<PackedObject | undefined> {
    const found = await this.find(oid);
    return found === undefined ? undefined : this.entry(found.pack, found.offset, 0);
  }

  /** True when a pack holds `oid` (nothing is inflated). */
  async has(oid: string): Promise<boolean> {
    return (await this.find(oid)) !== undefined;
  }

  /**
   * Hands the object's content to `onChunk` piece by piece (a view, valid
   * during the call): a whole object
   * is inflated straight through, a delta's result is built first (deltas are
   * bounded by the object limit). Returns the type, or undefined when absent.
   */
  async stream(oid: string, onChunk: (chunk: Uint8Array) => void): Promise<{ type: string; size: number } | undefined> {
    const found = await this.find(oid);
    if (found === undefined) return undefined;
    const { pack, offset } = found;
    const header = await this.header(pack, offset);
    if (header.type === OFS_DELTA || header.type === REF_DELTA) {
      const object = await this.entry(pack, offset, 0);
      onChunk(object.data);
      return { type: object.type, size: object.data.length };
    }
    this.checkSize(header.size, pack, offset);
    // The inflater calls back synchronously, so the sink writes synchronously too (nothing queues up).
    await inflateEntry(pack.cursor, header.dataAt, header.size, this.options.inflaters, this.what(pack, offset), onChunk);
    return { type: OBJECT_TYPES[header.type] ?? '', size: header.size };
  }

  /** Closes every pack file; the reader lists them again when used next. */
  async close(): Promise<void> {
    const packs = this.packs;
    this.packs = [];
    this.listed = '';
    this.cache.clear();
    for (const pack of packs) await pack.file.close();
  }

  private async find(oid: string): Promise<{ pack: Pack; offset: number } | undefined> {
    const id = hexBytes(oid);
    if (id === undefined) return undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      for (const pack of this.packs) {
        const offset = lookup(pack, id);
        if (offset !== undefined) return { pack, offset };
      }
      // A pack published since the last listing may hold it.
      if (!(await this.refresh())) return undefined;
    }
    return undefined;
  }

  /** Lists objects/pack again; true when the set of packs changed. */
  private async refresh(): Promise<boolean> {
    const dir = `${this.options.gitdir}/objects/pack`;
    const names = (await this.options.ops.readdir(dir).catch(() => [] as string[]))
      .filter(isPackIndexName)
      .sort();
    const key = names.join('\n');
    if (key === this.listed) return false;
    const keep = new Map(this.packs.map((pack) => [pack.name, pack]));
    const packs: Pack[] = [];
    for (const name of names) {
      const base = name.slice(0, -'.idx'.length);
      const kept = keep.get(base);
      if (kept !== undefined) {
        keep.delete(base);
        packs.push(kept);
        continue;
      }
      const opened = await this.openPack(`${dir}/${base}`, base).catch(() => undefined);
      if (opened !== undefined) packs.push(opened);
    }
    for (const gone of keep.values()) await gone.file.close();
    this.packs = packs;
    this.listed = key;
    return true;
  }

  private async openPack(path: string, name: string): Promise<Pack> {
    const idx = await this.options.ops.readFile(`${path}.idx`);
    const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
    if (idx.length < 8 + 1024 + 40 || view.getUint32(0) !== 0xff744f63 || view.getUint32(4) !== 2) {
      throw new StellaError('REPO_INVALID', `${name}.idx is not a version 2 pack index`);
    }
    const count = view.getUint32(8 + 255 * 4);
    if (idx.length < 8 + 1024 + count * 28 + 40) throw new StellaError('REPO_INVALID', `${name}.idx is truncated`);
    const file = await this.options.open(`${path}.pack`);
    return { name, file, cursor: new SpoolCursor(file, file.size - 20), idx, count };
  }

  private async header(pack: Pack, offset: number): Promise<EntryHeader> {
    if (offset < 12 || offset >= pack.cursor.end) throw new StellaError('REPO_INVALID', `${pack.name}.idx points past the end of its pack (offset ${offset})`);
    return readEntryHeader(pack.cursor, offset, 0, `${pack.name}.pack`);
  }

  /** The object at `offset`, built along its delta chain. */
  private async entry(pack: Pack, offset: number, depth: number): Promise<PackedObject> {
    const key = `${pack.name}:${offset}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    if (depth > MAX_CHAIN) throw new StellaError('REPO_INVALID', `${this.what(pack, offset)}: a delta chain longer than ${MAX_CHAIN} (or a cycle)`);
    const header = await this.header(pack, offset);
    const isDelta = header.type === OFS_DELTA || header.type === REF_DELTA;
    this.checkSize(header.size, pack, offset);
    let object: PackedObject;
    if (!isDelta) {
      object = { type: OBJECT_TYPES[header.type] ?? '', data: await inflateWhole(pack.cursor, header.dataAt, header.size, this.options.inflaters, this.what(pack, offset)) };
    } else {
      const base = await this.base(pack, header, depth);
      const delta = await inflateWhole(pack.cursor, header.dataAt, header.size, this.options.inflaters, this.what(pack, offset));
      let data: Uint8Array;
      try {
        data = applyDelta(base.data, delta);
      } catch (cause) {
        throw new StellaError('REPO_INVALID', `${this.what(pack, offset)}: ${(cause as Error).message}`, { cause });
      }
      this.checkSize(data.length, pack, offset);
      object = { type: base.type, data };
    }
    this.cache.set(key, object);
    return object;
  }

  private async base(pack: Pack, header: EntryHeader, depth: number): Promise<PackedObject> {
    if (header.baseOffset !== undefined) return this.entry(pack, header.baseOffset, depth + 1);
    const found = await this.find(header.baseOid as string);
    if (found === undefined) throw new StellaError('REPO_INVALID', `${pack.name}.pack: delta base ${header.baseOid} is in no pack`);
    return this.entry(found.pack, found.offset, depth + 1);
  }

  private checkSize(size: number, pack: Pack, offset: number): void {
    if (size > this.maxObject) {
      throw new StellaError('LIMIT_EXCEEDED', `${this.what(pack, offset)} is ${size} bytes, over the limit of ${mib(this.maxObject)} per object`);
    }
  }

  private what(pack: Pack, offset: number): string {
    return `${pack.name}.pack: object at offset ${offset}`;
  }
}

function isPackIndexName(name: string): boolean {
  return /^pack-[0-9a-f]{40}\.idx$/.test(name);
}

function hexBytes(oid: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{40}$/.test(oid)) return undefined;
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) out[i] = parseInt(oid.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The pack offset of `id` by the index: fanout narrows the range, a binary search finds it. */
function lookup(pack: Pack, id: Uint8Array): number | undefined {
  const { idx, count } = pack;
  const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  const first = id[0] as number;
  let low = first === 0 ? 0 : view.getUint32(8 + (first - 1) * 4);
  let high = view.getUint32(8 + first * 4);
  const shas = 8 + 1024;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = compare(idx, shas + middle * 20, id);
    if (order === 0) return offsetAt(view, count, middle, pack.name);
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  return undefined;
}

function compare(idx: Uint8Array, at: number, id: Uint8Array): number {
  for (let i = 0; i < 20; i++) {
    const d = (idx[at + i] as number) - (id[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

function offsetAt(view: DataView, count: number, position: number, name: string): number {
  const offsets = 8 + 1024 + count * 24;
  const small = view.getUint32(offsets + position * 4);
  if ((small & 0x80000000) === 0) return small;
  const large = offsets + count * 4 + (small & 0x7fffffff) * 8;
  if (large + 8 > view.byteLength - 40) throw new StellaError('REPO_INVALID', `${name}.idx: a large offset points outside the index`);
  return view.getUint32(large) * 2 ** 32 + view.getUint32(large + 4);
}
