/**
 * The image-level side of the cache: an image whose record is cached is
 * answered from it — no config, no layer byte read — and an image read
 * whole is recorded, with the warnings reading it gave, unless there were
 * more warnings than the cap (then the record could not be complete).
 *
 * @example
 *   const parts = await readThroughImageCache(context, manifestDigest, () => readLayersOf(manifest));
 */
import type { OsRelease } from '../../core/model/package.js';
import type { ImageRecord } from './layer-cache.js';
import type { LayersContext } from './read-layers.js';

/** What an image read yields besides its name and digest. */
export type ImageParts = Omit<ImageRecord, 'warnings' | 'os'> & { os: OsRelease | undefined };

/** The cached parts of image `digest`, else `read()`'s, recorded for next time. */
export async function readThroughImageCache(context: LayersContext, digest: string, read: () => Promise<ImageParts>): Promise<ImageParts> {
  const cache = context.cache;
  if (cache === undefined) return read();
  const key = `${cache.fingerprint}:${digest}`;
  const cached = await cache.store.getImage(key);
  if (cached !== undefined) {
    for (const message of cached.warnings) context.warnings.add(message);
    return { layers: cached.layers, packages: cached.packages, os: cached.os };
  }
  const before = context.warnings.size;
  const parts = await read();
  if (!context.warnings.overflowed) {
    const record: ImageRecord = { layers: parts.layers, packages: parts.packages, warnings: context.warnings.list().slice(before) };
    if (parts.os !== undefined) record.os = parts.os;
    await cache.store.putImage(key, record);
  }
  return parts;
}
