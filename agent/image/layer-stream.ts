/**
 * Streams one layer — a byte range of a file: a blob, a member of an outer
 * archive, or a whole tar — through gunzip (when it starts with the gzip
 * magic) into a tar parser, hashing on the way. Nothing is extracted to disk
 * and no layer is held in memory: 1 MiB reads flow from `fs` to zlib, and
 * 1 MiB of tar at a time from zlib to the parser.
 *
 * Checks made here: the stored bytes against their digest, the tar against
 * its diff id, the uncompressed size against the layer budget (absolute and
 * compression-ratio, see limits.ts). Gzip: concatenated members are all read
 * (RFC 1952); NUL padding after the last member is accepted (zlib's rule);
 * any other trailing data is rejected as GZIP_CORRUPT, as Go's gzip reader
 * used by docker and containerd does.
 *
 * @example
 *   const { storedDigest } = await readLayer({ file, start: 0, size }, visitor, { where, limits, digest: 'sha256:…' });
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { StellaError } from '../../core/errors.js';
import { openLayerSource } from './layer-source.js';
import type { LayerSource } from './layer-source.js';
import { layerByteBudget } from './limits.js';
import type { Limits } from './limits.js';
import { TarParser } from '../../core/archive/tar/parser.js';
import type { TarVisitor } from '../../core/archive/tar/parser.js';

/** How to read and check one layer. */
export interface LayerReadOptions {
  /** Prefix of error messages: `<input>: layer sha256:…`. */
  where: string;
  limits: Limits;
  /** The stored bytes must hash to this (an OCI layer descriptor's digest). */
  digest?: string;
  /** The uncompressed tar must hash to this (a diff id). */
  diffId?: string;
  /**
   * `'if-free'`: check `diffId` only when the layer is stored uncompressed
   * (then the stored hash is the tar's). OCI layers are verified by their
   * blob digest; hashing the uncompressed tar too would cost a second hash.
   */
  diffIdCheck?: 'always' | 'if-free';
  /** Compute the digest of the stored bytes / of the tar even when none is expected. */
  hashStored?: boolean;
  hashTar?: boolean;
  /** Stored bytes read so far, for progress. */
  onBytes?: (bytes: number) => void;
  /** Polled after each chunk: true ends the read early and successfully (no digest is checked then). */
  stop?: () => boolean;
  /** Checked before each chunk is parsed: once aborted, the read fails with `signal.reason`. */
  signal?: AbortSignal;
}

/** What reading a layer established about its bytes. */
export interface LayerReadResult {
  compressed: boolean;
  /** sha256:… of the stored bytes, when computed. */
  storedDigest: string | undefined;
  /** sha256:… of the uncompressed tar, when computed. */
  tarDigest: string | undefined;
}

const CHUNK = 1 << 16;
/**
 * Gunzip output per threadpool trip. Each trip ends on the main thread,
 * which must take a turn before zlib inflates the next: while the main
 * thread parses, extracts or loads modules, the layer's inflating waits.
 * 1 MiB trips (about 5 ms of inflating each) keep the threadpool busy
 * through those turns. Measured on a cold scan of debian-node (bench/
 * cold-scan.mjs): 64 KiB → 256 KiB was about 25% faster; 256 KiB → 1 MiB
 * another 8%, with 6% less CPU (fewer callbacks); 2 and 4 MiB were slower.
 */
const GUNZIP_CHUNK = 1 << 20;
/**
 * File reads are larger than zlib's output chunks: fewer syscalls and less
 * time idle between them. A streamed blob is gathered into parts this size
 * too (blob-spool.ts).
 */
export const READ_CHUNK = 1 << 20;
const STOPPED = new StellaError('INTERNAL', 'layer read stopped early');

/** Reads the layer in `range`, calling `visitor` for each entry. */
export async function readLayer(range: LayerSource, visitor: TarVisitor, options: LayerReadOptions): Promise<LayerReadResult> {
  const { where, limits, signal } = options;
  signal?.throwIfAborted();
  const { head, stream: source } = await openLayerSource(range, READ_CHUNK, where);
  let compressed: boolean;
  try {
    compressed = sniffCompression(head, where);
  } catch (error) {
    source.destroy();
    throw error;
  }
  const storedHash = options.digest !== undefined || options.hashStored === true ? createHash('sha256') : undefined;
  // For a plain tar the stored bytes are the tar: one hash serves both.
  const checkDiffId = options.diffId !== undefined && (options.diffIdCheck !== 'if-free' || !compressed);
  const tarHash = (checkDiffId || options.hashTar === true) && (compressed || storedHash === undefined) ? createHash('sha256') : undefined;
  const parser = new TarParser(visitor, { where, maxHeaderBytes: limits.maxHeaderBytes, maxPathBytes: limits.maxPathBytes });
  const budget = layerByteBudget(limits, range.size, compressed);
  const { onBytes, stop } = options;
  // Attached right before pipeline() in the same tick: the stream starts flowing on the next tick, when the pipe is in place.
  source.on('data', (chunk: Buffer) => {
    storedHash?.update(chunk);
    onBytes?.(chunk.length);
  });
  let produced = 0;
  const sink = new Writable({
    highWaterMark: GUNZIP_CHUNK,
    write(chunk: Buffer, _encoding, callback) {
      produced += chunk.length;
      if (produced > budget) {
        callback(budgetError(where, budget, range.size, compressed, limits));
        return;
      }
      // Parsed in a microtask: zlib hands the next chunk to the threadpool first, so inflating and parsing overlap.
      queueMicrotask(() => {
        if (signal?.aborted === true) {
          callback(signal.reason as Error);
          return;
        }
        tarHash?.update(chunk);
        try {
          parser.write(chunk);
        } catch (error) {
          callback(error as Error);
          return;
        }
        callback(stop?.() === true ? STOPPED : null);
      });
    },
    final(callback) {
      try {
        parser.end();
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  try {
    if (compressed) await pipeline(source, createGunzip({ chunkSize: GUNZIP_CHUNK }), sink);
    else await pipeline(source, sink);
  } catch (error) {
    if (error === STOPPED) return { compressed, storedDigest: undefined, tarDigest: undefined };
    if (signal?.aborted === true && error === signal.reason) throw error;
    // A tampered blob is reported as such, not as the corruption it causes downstream.
    if (options.digest !== undefined) await verifyWhole(range, options.digest, where, error);
    throw toStellaError(error, where);
  }
  const storedDigest = storedHash === undefined ? undefined : `sha256:${storedHash.digest('hex')}`;
  const tarDigest = tarHash === undefined ? (compressed ? undefined : storedDigest) : `sha256:${tarHash.digest('hex')}`;
  if (options.digest !== undefined && storedDigest !== options.digest) {
    throw new StellaError('DIGEST_MISMATCH', `${where}: blob content hashes to ${storedDigest ?? '?'}, not to its digest ${options.digest}`);
  }
  if (checkDiffId && tarDigest !== options.diffId) {
    throw new StellaError('DIGEST_MISMATCH', `${where}: uncompressed layer hashes to ${tarDigest ?? '?'}, not to its diff id ${options.diffId}`);
  }
  return { compressed, storedDigest, tarDigest };
}

/** Gzip (true), plain tar (false); zstd and gzip with another method are refused. */
function sniffCompression(head: Buffer, where: string): boolean {
  if (head.length < 4) return false;
  if (head[0] === 0x1f && head[1] === 0x8b) {
    if (head[2] !== 8) throw new StellaError('GZIP_CORRUPT', `${where}: gzip stream with unknown compression method ${head[2] ?? '?'}`);
    return true;
  }
  if (head.readUInt32LE(0) === 0xfd2fb528) {
    throw new StellaError('UNSUPPORTED_TARGET', `${where}: zstd-compressed layers are not supported (Node 20 has no zstd); recompress the image with gzip`);
  }
  return false;
}

function budgetError(where: string, budget: number, stored: number, compressed: boolean, limits: Limits): StellaError {
  const why = compressed && budget < limits.maxLayerBytes ? ` (${limits.maxCompressionRatio}× its ${stored} compressed bytes, at least ${limits.compressionRatioFloor}): likely a decompression bomb` : '';
  return new StellaError('LIMIT_EXCEEDED', `${where}: decompressed size limit exceeded: more than ${budget} bytes${why}`);
}

/** Hashes the whole range; throws DIGEST_MISMATCH (caused by `cause`) when it does not match. */
async function verifyWhole(range: LayerSource, digest: string, where: string, cause: unknown): Promise<void> {
  const hash: Hash = createHash('sha256');
  try {
    const { stream } = await openLayerSource(range, CHUNK, where);
    for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  } catch {
    return; // unreadable: the original error says enough
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest) {
    throw new StellaError('DIGEST_MISMATCH', `${where}: blob content hashes to ${actual}, not to its digest ${digest}`, { cause });
  }
}

/** zlib and fs errors as StellaErrors naming the input. */
function toStellaError(error: unknown, where: string): unknown {
  // Not the shape test (isStellaError): zlib and fs errors also carry a string `code`.
  if (error instanceof StellaError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'Z_BUF_ERROR' || message === 'unexpected end of file') {
    return new StellaError('GZIP_CORRUPT', `${where}: unexpected end of gzip stream (truncated)`, { cause: error });
  }
  if (code === 'Z_DATA_ERROR' && message === 'incorrect header check') {
    // The first member's header was checked before reading: this is data after a complete member.
    return new StellaError('GZIP_CORRUPT', `${where}: trailing garbage after the gzip stream`, { cause: error });
  }
  if (code.startsWith('Z_')) return new StellaError('GZIP_CORRUPT', `${where}: corrupt gzip data (${message})`, { cause: error });
  return new StellaError('IMAGE_INVALID', `${where}: cannot read the layer: ${message}`, { cause: error });
}
