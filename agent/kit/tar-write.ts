/**
 * Writes a deterministic plain tar: entries sorted by path, regular files
 * only, mode 0644, owner 0:0 with no names, one fixed mtime — so the same
 * files always give the same bytes, and two exports can be compared with
 * `cmp` or a checksum. Each file's bytes are fetched only when its turn
 * comes and streamed to disk, so memory holds one file, never the archive.
 * The archive goes to a temporary sibling that is flushed and renamed over
 * the target: a reader never sees half a kit.
 *
 * @example
 *   await writeTarAtomically('kit.tar', [{ path: 'stella.yaml', read: async () => bytes }], new Date(0));
 */
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pack as tarPack } from 'tar-stream';
import { StellaError } from '../../core/errors.js';
import { writeAtomically } from '../fs/atomic-write.js';
import { comparePaths } from './layout.js';

export interface TarSource {
  path: string;
  /** The file's bytes, fetched when the writer reaches it. */
  read: () => Promise<Uint8Array>;
}

/**
 * Writes `entries` (any order; they are sorted) to `file` atomically and
 * returns the archive's size in bytes.
 */
export async function writeTarAtomically(file: string, entries: readonly TarSource[], mtime: Date): Promise<number> {
  const target = resolve(file);
  const sorted = [...entries].sort((a, b) => comparePaths(a.path, b.path));
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as TarSource).path === (sorted[i - 1] as TarSource).path) {
      throw new StellaError('INTERNAL', `${target}: '${(sorted[i] as TarSource).path}' would be written twice`);
    }
  }
  return writeAtomically(target, (handle) => streamTar(handle, sorted, mtime));
}

/** Produces the entries into tar-stream while a second loop drains it to disk, bounded by tar-stream's backpressure. */
async function streamTar(handle: FileHandle, entries: readonly TarSource[], mtime: Date): Promise<number> {
  const pack = tarPack();
  let size = 0;
  const drained = (async (): Promise<void> => {
    for await (const chunk of pack) {
      const bytes = chunk as Buffer;
      // A write may be partial; go on until the chunk is down.
      for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
      size += bytes.length;
    }
  })();
  // A failed write must also stop the producer, which would otherwise wait on backpressure forever.
  drained.catch((error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))));
  try {
    for (const entry of entries) {
      const bytes = await entry.read();
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      await new Promise<void>((done, fail) => {
        pack.entry({ name: entry.path, type: 'file', size: body.length, mode: 0o644, uid: 0, gid: 0, mtime }, body, (error) => (error ? fail(error) : done()));
      });
    }
    pack.finalize();
  } catch (error) {
    pack.destroy(error instanceof Error ? error : new Error(String(error)));
    await drained.catch(() => undefined);
    throw error;
  }
  await drained;
  return size;
}
