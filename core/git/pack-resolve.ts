/**
 * The second pass of indexing: every delta's object id. Deltas are resolved
 * outward from whole objects (a base before the deltas made from it), each
 * read back from the spool when needed; recent results stay in a cache
 * bounded in bytes, and a base that fell out of it is rebuilt from its
 * chain, as git's own indexer does, so memory stays bounded whatever the
 * chains look like. A reference delta whose base is not in the pack asks
 * `external` for it (a thin pack completed from the repository); whatever
 * is left unresolved at the end — a missing base, a cycle — fails the pack.
 *
 * @example
 *   await resolveDeltas(entries, { cursor, inflaters: limits, source, external: async (oid) => appendBase(oid) });
 */
import { StellaError } from '../errors.js';
import { hexEncode } from '../sign/encoding.js';
import { ByteCache } from './byte-cache.js';
import { applyDelta } from './delta.js';
import { OBJECT_TYPES, OFS_DELTA, REF_DELTA, type PackEntry } from './pack-entries.js';
import { inflateWhole, type EntryInflaters, type SpoolCursor } from './pack-inflate.js';
import { Sha1 } from './sha1.js';

/** Bytes of resolved objects kept for the deltas that build on them. */
const CACHE_BYTES = 32 << 20;

export interface ResolveContext {
  cursor: SpoolCursor;
  inflaters: EntryInflaters;
  source: string;
  /** A base the pack refers to but lacks: the entry it was appended as, or undefined when there is none. */
  external?: (oid: string) => Promise<PackEntry | undefined>;
}

/**
 * Sets `oid` and `objectType` on every delta of `entries` (in place).
 * Throws NOT_FOUND when a reference delta's base is neither in the pack nor
 * to be had, REPO_INVALID when a delta does not apply or cannot be reached.
 */
export async function resolveDeltas(entries: PackEntry[], context: ResolveContext): Promise<void> {
  const resolver = new Resolver(entries, context);
  await resolver.run();
}

class Resolver {
  private readonly byOffset = new Map<number, PackEntry>();
  private readonly byOid = new Map<string, PackEntry>();
  private readonly ofsChildren = new Map<number, PackEntry[]>();
  private readonly refChildren = new Map<string, PackEntry[]>();
  private readonly cache = new ByteCache<number, Uint8Array>(CACHE_BYTES, (data) => data.length);

  constructor(
    private readonly entries: PackEntry[],
    private readonly context: ResolveContext,
  ) {
    for (const entry of entries) {
      this.byOffset.set(entry.offset, entry);
      if (entry.baseOffset !== undefined) push(this.ofsChildren, entry.baseOffset, entry);
      else if (entry.baseOid !== undefined) push(this.refChildren, entry.baseOid, entry);
    }
  }

  async run(): Promise<void> {
    const stack: PackEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i] as PackEntry;
      if (entry.oid !== undefined) {
        this.known(entry);
        stack.push(entry);
      }
    }
    await this.drain(stack);
    for (let missing = this.nextMissingBase(); missing !== undefined; missing = this.nextMissingBase()) {
      const appended = await this.context.external?.(missing);
      if (appended === undefined) {
        throw new StellaError('NOT_FOUND', `${this.context.source}: the thin pack needs object ${missing} as a delta base, and this repository does not have it`, { data: { oid: missing } });
      }
      this.entries.push(appended);
      this.byOffset.set(appended.offset, appended);
      this.known(appended);
      await this.drain([appended]);
    }
    const unresolved = this.entries.filter((e) => e.oid === undefined).length;
    if (unresolved > 0) {
      throw new StellaError('REPO_INVALID', `${this.context.source}: only ${this.entries.length - unresolved} of the pack's ${this.entries.length} objects could be resolved (a delta base is missing or the deltas form a cycle)`);
    }
  }

  /** A reference delta's base that nothing in the pack has produced. */
  private nextMissingBase(): string | undefined {
    for (const oid of this.refChildren.keys()) if (!this.byOid.has(oid)) return oid;
    return undefined;
  }

  private known(entry: PackEntry): void {
    const oid = entry.oid as string;
    if (this.byOid.has(oid)) throw new StellaError('REPO_INVALID', `${this.context.source}: object ${oid} appears twice in the pack`);
    this.byOid.set(oid, entry);
  }

  /** Resolves the deltas built on each entry of `stack`, depth first (their bases are likeliest still cached). */
  private async drain(stack: PackEntry[]): Promise<void> {
    for (let base = stack.pop(); base !== undefined; base = stack.pop()) {
      const children = [...(this.ofsChildren.get(base.offset) ?? []), ...(this.refChildren.get(base.oid as string) ?? [])];
      this.refChildren.delete(base.oid as string);
      if (children.length === 0) continue;
      const baseData = await this.content(base);
      for (const child of children) {
        const data = await this.apply(baseData, child);
        const type = OBJECT_TYPES[base.objectType as number] ?? '';
        child.objectType = base.objectType as number;
        child.oid = hexEncode(new Sha1().update(new TextEncoder().encode(`${type} ${data.length}\0`)).update(data).digest());
        this.known(child);
        this.cache.set(child.offset, data);
        stack.push(child);
      }
    }
  }

  /** The object at `entry` (resolved): from the cache, inflated, or rebuilt along its delta chain. */
  private async content(entry: PackEntry): Promise<Uint8Array> {
    const chain: PackEntry[] = [];
    let at = entry;
    let data = this.cache.get(at.offset);
    while (data === undefined && (at.type === OFS_DELTA || at.type === REF_DELTA)) {
      chain.push(at);
      at = this.baseOf(at);
      data = this.cache.get(at.offset);
    }
    data ??= await inflateWhole(this.context.cursor, at.dataAt, at.size, this.context.inflaters, this.what(at));
    for (let i = chain.length - 1; i >= 0; i--) data = await this.apply(data, chain[i] as PackEntry);
    this.cache.set(entry.offset, data);
    return data;
  }

  private baseOf(entry: PackEntry): PackEntry {
    const base = entry.baseOffset !== undefined ? this.byOffset.get(entry.baseOffset) : this.byOid.get(entry.baseOid as string);
    if (base === undefined) throw new StellaError('INTERNAL', `${this.what(entry)}: its base was resolved but cannot be found again`);
    return base;
  }

  private async apply(base: Uint8Array, delta: PackEntry): Promise<Uint8Array> {
    const instructions = await inflateWhole(this.context.cursor, delta.dataAt, delta.size, this.context.inflaters, this.what(delta));
    try {
      return applyDelta(base, instructions);
    } catch (cause) {
      throw new StellaError('REPO_INVALID', `${this.what(delta)}: ${(cause as Error).message}`, { cause });
    }
  }

  private what(entry: PackEntry): string {
    return `${this.context.source}: object ${entry.number} of ${this.entries.length} (at pack offset ${entry.offset})`;
  }
}

function push<K>(map: Map<K, PackEntry[]>, key: K, entry: PackEntry): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}
