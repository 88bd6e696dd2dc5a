/**
 * The blob id Git gives a file's content, hashed as the file is read, so a
 * large file in the work tree is never held in memory to be compared.
 *
 * @example const oid = await fileBlobId('/srv/state/feeds/osv/manifest.json');
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/**
 * SHA-1 of `blob <size>\0` and the file's bytes.
 * @example await fileBlobId(path) // 'e69de29b…'
 */
export async function fileBlobId(path: string): Promise<string> {
  const { size } = await stat(path);
  const hash = createHash('sha1').update(`blob ${size}\0`);
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    read += bytes.length;
  }
  // A file that changed while it was read has no single id; one that cannot match any blob will do.
  return read === size ? hash.digest('hex') : `changed-while-read:${hash.digest('hex')}`;
}
