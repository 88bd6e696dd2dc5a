/**
 * A file of a folder read as a stream by extractors that can all take one
 * (stream-extract.ts), in 1 MiB parts through one reused buffer, so a big
 * executable costs one buffer, not its size in memory. The folder digest
 * hashes every file it reads whole (dir-walk.ts), so when a hash is given
 * the file is read to its end for it; without one, reading stops as soon
 * as the extractors have seen enough.
 *
 * @example
 *   const packages = await streamExtract(join(root, path), { path, size }, fit, warn, hash);
 */
import type { Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { AnyExtractor, StreamInput } from '../../core/extract/extractor.js';
import type { ExtractedPackage } from '../../core/model/package.js';
import { StreamedFile } from './stream-extract.js';

const PART = 1 << 20;

/**
 * Runs the streaming extractors `fit` over the file at `full` (see the module
 * comment); `hash`, if given, is updated with all of the file's bytes.
 */
export async function streamExtract(
  full: string,
  file: StreamInput,
  fit: readonly AnyExtractor[],
  warn: (message: string) => void,
  hash?: Hash,
): Promise<ExtractedPackage[]> {
  let result: ExtractedPackage[] | Promise<ExtractedPackage[]> = [];
  const sink = new StreamedFile(fit, file, warn, (packages) => void (result = packages));
  const handle = await open(full, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(file.size, PART)));
    let wanted = file.size > 0;
    while (wanted || hash !== undefined) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, null);
      if (bytesRead === 0) break;
      const part = buffer.subarray(0, bytesRead);
      hash?.update(part);
      if (wanted) wanted = sink.write(part);
    }
  } finally {
    await handle.close();
  }
  sink.end();
  return result;
}
