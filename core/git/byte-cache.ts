/**
 * A cache of resolved objects bounded in bytes, oldest out first: what a
 * delta chain needs again (its bases) is usually what was resolved last.
 * Shared by the indexer's delta resolution and the kept-pack reader, so
 * both hold at most `limit` bytes however the chains look.
 *
 * @example
 *   const cache = new ByteCache<number, Uint8Array>(32 << 20, (bytes) => bytes.length);
 *   cache.set(offset, bytes);
 *   cache.get(offset);
 */
export class ByteCache<K, V> {
  private readonly entries = new Map<K, V>();
  private held = 0;

  /** Objects over a quarter of `limit` are not kept (one would push out everything else). */
  constructor(
    private readonly limit: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): void {
    const size = this.sizeOf(value);
    if (size > this.limit / 4 || this.entries.has(key)) return;
    this.entries.set(key, value);
    this.held += size;
    // Map order is insertion order: the oldest go first.
    for (const [old, value] of this.entries) {
      if (this.held <= this.limit) break;
      this.entries.delete(old);
      this.held -= this.sizeOf(value);
    }
  }

  /** Drops one entry (an object no longer stored must not be answered from here). */
  delete(key: K): void {
    const value = this.entries.get(key);
    if (value === undefined) return;
    this.entries.delete(key);
    this.held -= this.sizeOf(value);
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
  }
}
