/**
 * A byte range of a file — a blob of an OCI layout, a member of an outer
 * archive, a whole tar — and reading a small one whole (image metadata).
 *
 * @example
 *   const bytes = await readRange({ file, start: 1536, size: 420 }, 'manifest.json', limits.maxMetadataBytes, where);
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { StellaError } from '../../core/errors.js';

/** Bytes `start` to `start + size` of `file`. */
export interface ByteRange {
  file: string;
  start: number;
  size: number;
}

/**
 * Reads the range into memory, refusing one larger than `max`: only for
 * metadata (manifests, configs, indexes), never for layers. `label` names
 * the range in errors, `where` is the input.
 */
export async function readRange(range: ByteRange, label: string, max: number, where: string): Promise<Buffer> {
  if (range.size > max) {
    throw new StellaError('LIMIT_EXCEEDED', `${where}: ${label} is ${range.size} bytes, over the metadata limit of ${max}`);
  }
  const handle = await open(range.file, 'r');
  try {
    const buffer = Buffer.alloc(range.size);
    const { bytesRead } = await handle.read(buffer, 0, range.size, range.start);
    if (bytesRead < range.size) throw new StellaError('TAR_CORRUPT', `${where}: ${label} is truncated`);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** `sha256:<hex>` of bytes. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
