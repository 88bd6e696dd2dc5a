/**
 * Where a GitStore reads objects from. Without a pack reader (the Worker's
 * small in-memory repositories, tests) that is isomorphic-git, as before.
 * With one (`ObjectFiles`: positioned reads and inflaters, the agent's over
 * Node files) a loose object is read and inflated from its own file, and a
 * packed one through `PackedReader`, one entry at a time — isomorphic-git,
 * which loads a whole pack file to read one object of it, then never reads
 * the kept packs. One instance per store, so the pack indexes and the cache
 * of delta bases are shared by every caller.
 *
 * @example
 *   const objects = new StoreObjects(store, { open: openPackFile, inflaters: packLimits });
 *   const { type, data } = await objects.read(oid);
 */
import { isoGit } from './iso-git.js';
import { StellaError } from '../errors.js';
import { ByteCache } from './byte-cache.js';
import type { StoreFs } from './git-store.js';
import type { EntryInflaters } from './pack-inflate.js';
import { parseCommitInfo } from './object-parse.js';
import { MAX_OBJECT_BYTES } from './pack-limits.js';
import { PackedReader, type OpenPackFile } from './packed-reader.js';
import { storeFsOps, type StoreFsOps } from './store-fs.js';

/** File access for reading objects without isomorphic-git. */
export interface ObjectFiles {
  open: OpenPackFile;
  inflaters: EntryInflaters;
  /** Default MAX_OBJECT_BYTES. */
  maxObjectBytes?: number;
  /**
   * Keep objects decoded, by id, up to this many bytes (default: none). For a
   * store held in memory that reads the same trees and commits round after
   * round (the Worker's): objects never change under their id, so a kept one
   * is never stale, and one just written is never inflated again.
   */
  cacheBytes?: number;
  /**
   * Write loose objects as zlib stored blocks, not compressed: for a store
   * held in memory and never persisted, compressing is pure cost (a push
   * compresses its pack anyway).
   */
  uncompressedLoose?: boolean;
}

/** An object's type name and content. */
export interface StoredObject {
  type: string;
  data: Uint8Array;
}

/** Reads objects of one repository; see the module comment. */
export class StoreObjects {
  private readonly packed: PackedReader | undefined;
  private readonly ops: StoreFsOps;
  private readonly decoded: ByteCache<string, StoredObject> | undefined;

  constructor(
    private readonly repo: { fs: StoreFs; gitdir: string; cache: object },
    private readonly files: ObjectFiles | undefined,
  ) {
    this.ops = storeFsOps(repo.fs);
    this.decoded = files?.cacheBytes === undefined ? undefined : new ByteCache(files.cacheBytes, (object) => object.data.length + 64);
    this.packed = files === undefined ? undefined : new PackedReader({ ops: this.ops, gitdir: repo.gitdir, open: files.open, inflaters: files.inflaters, ...(files.maxObjectBytes === undefined ? {} : { maxObjectBytes: files.maxObjectBytes }) });
  }

  /** The object; a missing one throws an error whose code is `NotFoundError` (as isomorphic-git's). */
  async read(oid: string): Promise<StoredObject> {
    const kept = this.decoded?.get(oid);
    if (kept !== undefined) return kept;
    const object = await this.readStored(oid);
    this.decoded?.set(oid, object);
    return object;
  }

  /** Whether new loose objects are written uncompressed (`ObjectFiles.uncompressedLoose`). */
  get uncompressedLoose(): boolean {
    return this.files?.uncompressedLoose === true;
  }

  /** True when the object is among those kept decoded (so certainly stored). */
  remembers(oid: string): boolean {
    return this.decoded?.has(oid) === true;
  }

  /** Keeps an object just written, when this store keeps decoded objects. */
  remember(oid: string, object: StoredObject): void {
    this.decoded?.set(oid, object);
  }

  /**
   * Forgets a kept decoded object: for a store that deletes objects it
   * holds (the Worker's mirror drops what the remote has), so that neither
   * a read nor `writeObject`'s "already stored" answers from memory for an
   * object no longer stored.
   */
  forget(oid: string): void {
    this.decoded?.delete(oid);
  }

  private async readStored(oid: string): Promise<StoredObject> {
    if (this.packed === undefined) {
      const { type, object } = await (await isoGit()).readObject({ fs: this.repo.fs, gitdir: this.repo.gitdir, oid, format: 'content', cache: this.repo.cache });
      if (!(object instanceof Uint8Array)) throw new StellaError('INTERNAL', `object ${oid} did not read as bytes`);
      // isomorphic-git hands out Buffers; callers compare with plain bytes.
      return { type, data: new Uint8Array(object.buffer, object.byteOffset, object.byteLength) };
    }
    const loose = await this.loose(oid);
    if (loose !== undefined) return loose;
    const packed = await this.packed.read(oid);
    if (packed !== undefined) return packed;
    throw missing(oid);
  }

  /** True when the object is stored (a packed one is not inflated). */
  async has(oid: string): Promise<boolean> {
    if (this.decoded?.has(oid) === true) return true;
    if (this.packed === undefined) {
      return (await isoGit()).readObject({ fs: this.repo.fs, gitdir: this.repo.gitdir, oid, format: 'deflated', cache: this.repo.cache }).then(
        () => true,
        () => false,
      );
    }
    return (await this.looseBytes(oid)) !== undefined || (await this.packed.has(oid));
  }

  /**
   * Hands a blob's content to `onChunk` piece by piece, so a large packed
   * blob is never held whole (a loose or delta one is read whole first).
   */
  async streamBlob(oid: string, onChunk: (chunk: Uint8Array) => void): Promise<void> {
    const streamed = this.packed === undefined || (await this.looseBytes(oid)) !== undefined ? undefined : await this.packed.stream(oid, onChunk);
    if (streamed === undefined) {
      const object = await this.read(oid);
      if (object.type !== 'blob') throw new StellaError('REPO_INVALID', `${oid}: expected a blob, found a ${object.type}`);
      onChunk(object.data);
    } else if (streamed.type !== 'blob') {
      throw new StellaError('REPO_INVALID', `${oid}: expected a blob, found a ${streamed.type}`);
    }
  }

  /** Closes the pack files (a later read opens them again). */
  async close(): Promise<void> {
    await this.packed?.close();
  }

  private async looseBytes(oid: string): Promise<Uint8Array | undefined> {
    if (!/^[0-9a-f]{40}$/.test(oid)) return undefined;
    return this.ops.readFileIfExists(`${this.repo.gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`);
  }

  private async loose(oid: string): Promise<StoredObject | undefined> {
    const deflated = await this.looseBytes(oid);
    if (deflated === undefined || this.files === undefined) return undefined;
    // The header is at most a type name, a 20-digit size and a NUL.
    const max = (this.files.maxObjectBytes ?? MAX_OBJECT_BYTES) + 32;
    let wrapped: Uint8Array;
    try {
      wrapped = this.files.inflaters.inflate(deflated, max).data;
    } catch (cause) {
      throw new StellaError('REPO_INVALID', `loose object ${oid} cannot be inflated or is over the object limit`, { cause });
    }
    return unwrapLoose(oid, wrapped);
  }
}

const decoder = new TextDecoder();

/**
 * Splits a loose object's `<type> <size>\0<content>`, checking the size.
 * @example const { type, data } = unwrapLoose(oid, inflated);
 */
export function unwrapLoose(oid: string, wrapped: Uint8Array): StoredObject {
  const space = wrapped.indexOf(0x20);
  const nul = wrapped.indexOf(0, space);
  const type = space > 0 ? decoder.decode(wrapped.subarray(0, space)) : '';
  const data = wrapped.subarray(nul + 1);
  if (space < 0 || nul < 0 || Number(decoder.decode(wrapped.subarray(space + 1, nul))) !== data.length) {
    throw new StellaError('REPO_INVALID', `object ${oid}: malformed loose object header`);
  }
  return { type, data };
}

function missing(oid: string): Error {
  return Object.assign(new Error(`object ${oid} is not in the repository`), { code: 'NotFoundError', data: { oid } });
}

/** A repository as walks and imports see it: a GitStore, or a bare isomorphic-git source. */
export interface StoredSource {
  fs: StoreFs;
  gitdir: string;
  cache: object;
  objects?: StoreObjects;
}

/**
 * Any object through the source's own reader when it has one, else isomorphic-git; undefined when absent.
 * @example const object = await readStored(store, oid);
 */
export async function readStored(repo: StoredSource, oid: string): Promise<StoredObject | undefined> {
  return (repo.objects ?? new StoreObjects(repo, undefined)).read(oid).catch(() => undefined);
}

/**
 * True when the object is stored (see `readStored`).
 * @example if (!(await hasStored(store, oid))) throw …
 */
export async function hasStored(repo: StoredSource, oid: string): Promise<boolean> {
  return (repo.objects ?? new StoreObjects(repo, undefined)).has(oid);
}

/**
 * True when `ancestor` is reachable from `oid` through parents (a fast-forward), read through `readStored`.
 * @example if (await descendsFrom(store, newTip, oldTip)) …
 */
export async function descendsFrom(repo: StoredSource, oid: string, ancestor: string): Promise<boolean> {
  const seen = new Set<string>([oid]);
  const queue = [oid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const object = await readStored(repo, next);
    if (object?.type !== 'commit') continue;
    for (const parent of parseCommitInfo(next, object.data).parents) {
      if (parent === ancestor) return true;
      if (!seen.has(parent)) {
        seen.add(parent);
        queue.push(parent);
      }
    }
  }
  return false;
}
