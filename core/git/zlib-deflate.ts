/**
 * zlib (RFC 1950) compression for what we write: loose objects and pack
 * entries. Most of them are a few kilobytes (trees, commits, report files),
 * where setting up a `CompressionStream` costs more than compressing (in
 * Node several times more): those go through fflate in one synchronous
 * call. Large ones go through the platform's stream, which is native and
 * does not hold the thread.
 *
 * @example const deflated = await deflateZlib(new TextEncoder().encode('blob 3\0hi\n'));
 */
import { zlibSync } from 'fflate';
import { bufferSource } from '../sign/encoding.js';

/** Below this many bytes one synchronous fflate call is the cheaper way (a few hundred microseconds at most). */
const SYNC_LIMIT = 64 * 1024;

/**
 * The bytes as one zlib stream: compressed, or with `stored` as stored
 * blocks (valid zlib any reader inflates, for bytes that never leave memory).
 * @example const deflated = await deflateZlib(bytes);
 */
export async function deflateZlib(bytes: Uint8Array, stored = false): Promise<Uint8Array> {
  if (stored) return zlibSync(bytes, { level: 0 });
  // Level 1: on small JSON and trees it compresses within a few percent of level 6, at a third of the time.
  if (bytes.length < SYNC_LIMIT) return zlibSync(bytes, { level: 1 });
  const stream = new Blob([bufferSource(bytes)]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
