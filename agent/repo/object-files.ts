/**
 * The agent's file access for reading the state repository's objects
 * without isomorphic-git loading whole packs: a pack file opened for
 * positioned reads (a Node FileHandle) and Node's zlib inflaters, as for
 * received packs. Given to every GitStore of an opened state repository.
 *
 * @example const store = new GitStore({ fs, dir, files: objectFiles });
 */
import { open, stat } from 'node:fs/promises';
import { StellaError } from '../../core/errors.js';
import type { OpenPackFile } from '../../core/git/packed-reader.js';
import type { ObjectFiles } from '../../core/git/store-objects.js';
import { packLimits } from './pack-limits.js';

/**
 * A kept pack for positioned reads. Each read opens and closes the file:
 * a store lives as long as its caller (the agent service keeps some for
 * hours), and a handle left for the garbage collector to close is a
 * warning today and an error in later Node versions.
 * @example const file = await openPackFile(`${gitdir}/objects/pack/pack-x.pack`);
 */
export const openPackFile: OpenPackFile = async (path) => {
  const { size } = await stat(path);
  return {
    size,
    read: async (offset, length) => {
      const want = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(want);
      const handle = await open(path, 'r');
      try {
        let done = 0;
        while (done < want) {
          const { bytesRead } = await handle.read(out, done, want - done, offset + done);
          if (bytesRead === 0) throw new StellaError('REPO_INVALID', `${path}: ended at ${offset + done} of ${size} bytes`);
          done += bytesRead;
        }
      } finally {
        await handle.close();
      }
      return out;
    },
    close: async () => undefined,
  };
};

/** Positioned pack reads with Node's inflaters. */
export const objectFiles: ObjectFiles = { open: openPackFile, inflaters: packLimits };
