/**
 * Where a received pack waits while it is checked and indexed: bytes are
 * appended as they arrive, read back at any offset, and at the end either
 * published under objects/pack or discarded. core/ has no filesystem of its
 * own, so the caller brings the spool: the agent's is a file beside
 * objects/pack (`agent/repo/pack-spool.ts`), published by rename; the one
 * here keeps the pack in memory (tests, and the Worker, which receives small
 * packs) and publishes it with one write.
 *
 * @example
 *   const spool = await (limits.spool ?? memorySpool)({ dir: staging, ops });
 *   await spool.append(chunk);
 *   const head = await spool.read(0, 12);
 *   await spool.publish(`${gitdir}/objects/pack/pack-${checksum}.pack`);
 */
import { StellaError } from '../errors.js';
import type { StoreFsOps } from './store-fs.js';

/** A received pack being written, read back and finally kept or thrown away. */
export interface PackSpool {
  /** Bytes appended so far (less any truncated). */
  readonly size: number;
  /** Adds bytes at the end. */
  append(bytes: Uint8Array): Promise<void>;
  /** `length` bytes from `offset` (fewer only past the end). The result may be a view: copy it to keep it. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Replaces bytes in place (the object count, when a thin pack is completed). */
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Cuts the spool to `size` bytes (drops the trailer before objects are appended). */
  truncate(size: number): Promise<void>;
  /** Makes the spool the file at `path` (same filesystem as the staging folder); the spool is closed afterwards. */
  publish(path: string): Promise<void>;
  /** Closes the spool and removes what it wrote; safe to call after `publish` or twice. */
  discard(): Promise<void>;
}

/** Where a spool may put its file: a staging folder that is removed afterwards, and the store's file operations. */
export interface SpoolPlace {
  dir: string;
  ops: StoreFsOps;
}

/** Opens an empty spool. */
export type PackSpoolFactory = (place: SpoolPlace) => Promise<PackSpool>;

/**
 * A spool in memory, growing by doubling; `publish` writes it through the
 * store's filesystem. Use it only where packs are small (the caller's size
 * limit still applies: nothing larger than the pack limit is appended).
 *
 * @example const spool = await memorySpool({ dir, ops: storeFsOps(fs) });
 */
export const memorySpool: PackSpoolFactory = async ({ ops }) => inMemorySpool(ops);

/**
 * The in-memory spool itself; without `ops` it cannot be published (a pack only checked, never kept).
 * @example const spool = inMemorySpool(undefined); await spool.append(pack);
 */
export function inMemorySpool(ops: StoreFsOps | undefined): PackSpool {
  let buffer = new Uint8Array(1 << 16);
  let size = 0;
  const ensure = (needed: number): void => {
    if (needed <= buffer.length) return;
    const grown = new Uint8Array(Math.max(needed, buffer.length * 2));
    grown.set(buffer.subarray(0, size));
    buffer = grown;
  };
  return {
    get size() {
      return size;
    },
    append: async (bytes) => {
      ensure(size + bytes.length);
      buffer.set(bytes, size);
      size += bytes.length;
    },
    read: async (offset, length) => buffer.subarray(Math.min(offset, size), Math.min(offset + length, size)),
    write: async (offset, bytes) => {
      if (offset + bytes.length > size) throw new StellaError('INTERNAL', 'pack spool: write past the end');
      buffer.set(bytes, offset);
    },
    truncate: async (length) => {
      size = Math.min(size, length);
    },
    publish: async (path) => {
      if (ops === undefined) throw new StellaError('INTERNAL', 'this pack spool cannot be published: it was opened without a filesystem');
      await ops.writeFile(path, buffer.subarray(0, size));
      buffer = new Uint8Array(0);
      size = 0;
    },
    discard: async () => {
      buffer = new Uint8Array(0);
      size = 0;
    },
  };
}
