/**
 * Random access to the bytes of an archive, whatever holds them: an array
 * in memory (a jar inside a layer), a file (the agent's file-backed source),
 * an object store. The zip reader asks only for ranges it needs.
 *
 * @example
 *   const source = bytesSource(zipBytes);
 *   const head = await source.read(0, 4); // 'PK\3\4'
 */

/** A random-access byte source of known size. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * `length` bytes at `offset`, or fewer at the end of the source. The bytes
   * stay valid after later reads (a source never overwrites what it returned).
   */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/**
 * A source over bytes in memory; reads are views, not copies.
 *
 * @example
 *   await bytesSource(Uint8Array.of(1, 2, 3)).read(1, 5); // Uint8Array [2, 3]
 */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: (offset, length) => Promise.resolve(bytes.subarray(Math.max(0, offset), Math.max(0, Math.min(bytes.byteLength, offset + length)))),
  };
}
