/**
 * The agent's pack spool: a received pack is written to a file in the
 * staging folder core gives (under objects/, so publishing is a rename on
 * the same filesystem), read back with positioned reads, and removed on
 * discard. Nothing of the pack is kept in memory.
 *
 * @example await importBundle(store, chunks, { source, limits: { ...packLimits, spool: fileSpool } });
 */
import { open, rename, rm } from 'node:fs/promises';
import { StellaError } from '../../core/errors.js';
import type { PackSpool, PackSpoolFactory } from '../../core/git/pack-spool.js';

/**
 * Opens `incoming.pack` in the staging folder.
 * @example const spool = await fileSpool({ dir: staging, ops });
 */
export const fileSpool: PackSpoolFactory = async ({ dir }) => {
  const path = `${dir}/incoming.pack`;
  const handle = await open(path, 'wx+');
  let size = 0;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  const spool: PackSpool = {
    get size() {
      return size;
    },
    append: async (bytes) => {
      await writeAll(handle, bytes, size);
      size += bytes.length;
    },
    read: async (offset, length) => {
      const want = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(want);
      let done = 0;
      while (done < want) {
        const { bytesRead } = await handle.read(out, done, want - done, offset + done);
        if (bytesRead === 0) throw new StellaError('INTERNAL', `${path}: ended at ${offset + done} of ${size} bytes`);
        done += bytesRead;
      }
      return out;
    },
    write: async (offset, bytes) => {
      if (offset + bytes.length > size) throw new StellaError('INTERNAL', `${path}: write past the end`);
      await writeAll(handle, bytes, offset);
    },
    truncate: async (length) => {
      await handle.truncate(length);
      size = Math.min(size, length);
    },
    publish: async (target) => {
      await handle.sync();
      await close();
      await rename(path, target);
    },
    discard: async () => {
      await close();
      await rm(path, { force: true });
    },
  };
  return spool;
};

async function writeAll(handle: Awaited<ReturnType<typeof open>>, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}
