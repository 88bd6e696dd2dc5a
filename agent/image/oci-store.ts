/**
 * Where the files of an OCI image layout are: a folder on disk, or the
 * members of an OCI archive (a tar of such a folder). Both give byte ranges,
 * so the image reader is the same for the two.
 *
 * A blob is found only by a validated `sha256:<hex>` digest, and in a folder
 * only if it is a regular file inside the layout (a symlinked blob pointing
 * out of the layout is refused), so no digest can name a host file.
 *
 * @example
 *   const store = await layoutStore('/images/app.oci', 'app.oci');
 *   const range = await store.blob('sha256:…'); // { file, start: 0, size }
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { StellaError } from '../../core/errors.js';
import type { ByteRange } from './byte-range.js';
import type { ArchiveIndex } from './tar-index.js';

/** Byte ranges of the files of an OCI layout, wherever they are stored. */
export interface OciStore {
  /** A top-level file (`index.json`, `oci-layout`), or undefined when absent. */
  file(name: string): Promise<ByteRange | undefined>;
  /** The blob with this digest (already checked to be `sha256:<64 hex>`), or undefined when absent. */
  blob(digest: string): Promise<ByteRange | undefined>;
}

/** The members of an OCI archive. */
export function archiveStore(index: ArchiveIndex): OciStore {
  const range = (name: string): ByteRange | undefined => {
    const member = index.members.get(name);
    return member === undefined ? undefined : { file: index.file, start: member.start, size: member.size };
  };
  return {
    file: async (name) => range(name),
    blob: async (digest) => range(`blobs/sha256/${digest.slice('sha256:'.length)}`),
  };
}

/** The files of an OCI layout folder. */
export async function layoutStore(dir: string, input: string): Promise<OciStore> {
  const root = await realpath(dir);
  const regular = async (path: string): Promise<ByteRange | undefined> => {
    let info;
    try {
      info = await lstat(path);
      if (info.isSymbolicLink()) {
        const real = await realpath(path);
        if (!real.startsWith(root + sep)) {
          throw new StellaError('IMAGE_INVALID', `${input}: ${path.slice(dir.length + 1)} is a symlink out of the layout; refused`);
        }
        info = await stat(real);
      }
    } catch (error) {
      if (error instanceof StellaError) throw error;
      return undefined;
    }
    return info.isFile() ? { file: path, start: 0, size: info.size } : undefined;
  };
  return {
    file: (name) => regular(join(dir, name)),
    blob: (digest) => regular(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length))),
  };
}
