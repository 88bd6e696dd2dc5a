/**
 * The byte accounting of the cache: which entries exist, their sizes, and
 * their order of last use. Held in memory (a Map keeps insertion order, so
 * re-inserting on use makes it an LRU list) and mirrored in LevelDB as
 * `use:` records `<sequence>:<bytes>` so the order survives a restart.
 *
 * @example
 *   const lru = new LruBook(1000);
 *   lru.touch('layer:a', 600); lru.touch('layer:b', 600);
 *   lru.overflow(); // ['layer:a']: the least recently used, to evict
 */

/** Sizes and recency of the cache's entries, and the bound they must fit. */
export class LruBook {
  private readonly entries = new Map<string, number>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes held by the entries. */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records a use (or a new size) of `key`: it becomes the most recent. */
  touch(key: string, bytes: number): void {
    this.forget(key);
    this.entries.set(key, bytes);
    this.total += bytes;
  }

  /** The size of `key`, when known. */
  bytesOf(key: string): number | undefined {
    return this.entries.get(key);
  }

  forget(key: string): void {
    const bytes = this.entries.get(key);
    if (bytes === undefined) return;
    this.entries.delete(key);
    this.total -= bytes;
  }

  /** Forgets every entry (the cache was dropped); returns their keys. */
  overflowAll(): string[] {
    const keys = [...this.entries.keys()];
    this.entries.clear();
    this.total = 0;
    return keys;
  }

  /** Least recently used keys to drop (and drops them here) until the bound holds. */
  overflow(): string[] {
    const out: string[] = [];
    for (const [key, bytes] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(key);
      this.total -= bytes;
      out.push(key);
    }
    return out;
  }
}

/** Parses a `use:` value (`<sequence>:<bytes>`); undefined when malformed. */
export function parseUse(value: string): { sequence: number; bytes: number } | undefined {
  const match = /^(\d{1,15}):(\d{1,15})$/.exec(value);
  if (match === null) return undefined;
  return { sequence: Number(match[1]), bytes: Number(match[2]) };
}
