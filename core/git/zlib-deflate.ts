/**
 * zlib (RFC 1950) streams for what we write: loose objects and pack
 * entries, compressed by the platform's `CompressionStream` (native in a
 * Worker, where it also costs less than any JavaScript deflater, and in
 * Node). A store that never leaves memory asks for stored blocks instead:
 * valid zlib any reader inflates, at the cost of a copy and a checksum.
 *
 * @example const deflated = await deflateZlib(new TextEncoder().encode('blob 3\0hi\n'));
 */
import { zlibSync } from 'fflate';
import { bufferSource } from '../sign/encoding.js';

/**
 * Below this size an object is deflated in JavaScript: setting up a
 * CompressionStream costs more than compressing a few kilobytes (measured:
 * pushing a round of small reports from the Worker spent a fifth of its
 * CPU time creating streams).
 */
const STREAM_FROM_BYTES = 64 * 1024;

/**
 * The bytes as one zlib stream: compressed, or with `stored` as stored blocks.
 * @example const deflated = await deflateZlib(bytes);
 */
export async function deflateZlib(bytes: Uint8Array, stored = false): Promise<Uint8Array> {
  if (stored) return zlibSync(bytes, { level: 0 });
  // Level 1: small objects gain little from harder work, and git reads any level.
  if (bytes.length < STREAM_FROM_BYTES) return zlibSync(bytes, { level: 1 });
  const stream = new Blob([bufferSource(bytes)]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
