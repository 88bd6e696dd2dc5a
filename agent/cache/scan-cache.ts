/**
 * The scan cache: a LevelDB database (one folder) holding what image reads
 * found, so a rescan reads only what changed (agent/image/layer-cache.ts
 * says what is recorded), and the inventory of every target scanned, so a
 * feed, VEX or policy change re-matches them without reading any image (rematch.ts).
 *
 * Keys: `meta:schema` (layout and tool version: any other value drops the
 * whole cache), `rec:layer:…` / `rec:image:…` (sealed records, seal.ts),
 * `use:…` (LRU order and size of each record), `target:…` (one inventory
 * per target, outside the byte bound: there are few, and
 * re-matching needs them all), `findings:…` (the digest of its last
 * findings, rewritten alone when a re-match changes them) and `sbom:…`. A record that fails its checksum or shape drops the whole
 * cache: one bad value means nothing else in it can be trusted. Records
 * past the byte bound are evicted least recently used first.
 *
 * @example
 *   const cache = await ScanCache.open(join(dataDir, 'scan-cache'), { maxBytes: 256 << 20 });
 *   await scanTarget('registry://127.0.0.1:5000/app:1', { repo, cache });
 *   cache.stats(); // { layerHits: 4, layerMisses: 0, … }
 *   await cache.close();
 */
import { Level } from 'level';
import { StellaError } from '../../core/errors.js';
import type { ImageRecord, LayerCache, LayerRecord } from '../image/index.js';
import { toolVersion } from '../package-root.js';
import { LruBook, parseUse } from './lru.js';
import { seal, unseal } from './seal.js';
import { isImageRecord, isLayerRecord, isTargetRecord } from './shapes.js';
import type { TargetRecord } from './shapes.js';

export type { TargetRecord } from './shapes.js';

/** Counters since the cache was opened (the agent exports them as metrics). */
export interface CacheStats {
  layerHits: number;
  layerMisses: number;
  imageHits: number;
  imageMisses: number;
  evictions: number;
  /** Times the cache was found corrupt or of another version and dropped. */
  resets: number;
  /** Bytes of layer and image records held. */
  bytes: number;
  entries: number;
}

/** Options of `ScanCache.open`. */
export interface ScanCacheOptions {
  /** Bound on the bytes of layer and image records (default 512 MiB). */
  maxBytes?: number;
}

const SCHEMA_KEY = 'meta:schema';
const LAYOUT = 'stella-scan-cache/1';
/** The default byte bound of layer and image records. */
export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

type Kind = 'layer' | 'image';

/** See the module comment. */
export class ScanCache implements LayerCache {
  private readonly counters = { layerHits: 0, layerMisses: 0, imageHits: 0, imageMisses: 0, evictions: 0, resets: 0 };
  private sequence = 0;

  private constructor(
    private readonly db: Level<string, string>,
    private readonly lru: LruBook,
    readonly dir: string,
  ) {}

  /** Opens (creating) the cache in `dir`; a cache of another layout or tool version is dropped. */
  static async open(dir: string, options: ScanCacheOptions = {}): Promise<ScanCache> {
    const maxBytes = options.maxBytes ?? DEFAULT_CACHE_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new StellaError('USAGE', `scan cache: the byte bound must be a positive integer, not ${String(maxBytes)}`);
    const db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (error) {
      throw new StellaError('CACHE_UNAVAILABLE', `${dir}: cannot open the scan cache (${(error as Error).message}); is another stella process using it?`, { cause: error });
    }
    const cache = new ScanCache(db, new LruBook(maxBytes), dir);
    await cache.load();
    return cache;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Counters and sizes (a copy). */
  stats(): CacheStats {
    return { ...this.counters, bytes: this.lru.bytes, entries: this.lru.size };
  }

  async getLayer(key: string): Promise<LayerRecord | undefined> {
    const record = await this.get('layer', key, isLayerRecord);
    if (record === undefined) this.counters.layerMisses++;
    else this.counters.layerHits++;
    return record;
  }

  async putLayer(key: string, record: LayerRecord): Promise<void> {
    await this.put('layer', key, record);
  }

  async getImage(key: string): Promise<ImageRecord | undefined> {
    const record = await this.get('image', key, isImageRecord);
    if (record === undefined) this.counters.imageMisses++;
    else this.counters.imageHits++;
    return record;
  }

  async putImage(key: string, record: ImageRecord): Promise<void> {
    await this.put('image', key, record);
  }

  /** The inventory recorded for a target (as scanned: its path or registry reference). */
  async getTarget(target: string): Promise<TargetRecord | undefined> {
    const [stored, findings] = await this.db.getMany([`target:${target}`, `findings:${target}`]);
    if (stored === undefined) return undefined;
    const record = await this.checkTarget(unseal(stored), findings);
    return record;
  }

  /**
   * Records a target's inventory, the digest of its decided findings and its SBOM
   * (kept apart: re-matching reads every inventory but only the SBOMs of
   * targets whose findings changed).
   */
  async putTarget(target: string, record: TargetRecord, sbom: object): Promise<void> {
    const { findings, ...rest } = record;
    await this.db.batch([
      { type: 'put', key: `target:${target}`, value: seal(rest) },
      { type: 'put', key: `findings:${target}`, value: findings ?? '' },
      { type: 'put', key: `sbom:${target}`, value: seal(sbom) },
    ]);
  }

  /** The SBOM recorded for a target; undefined when absent or damaged (then it is built again). */
  async getSbom(target: string): Promise<object | undefined> {
    const stored = await this.db.get(`sbom:${target}`);
    const value = stored === undefined ? undefined : unseal(stored);
    return typeof value === 'object' && value !== null ? value : undefined;
  }

  /** Records only the digest of a target's findings (after re-matching: the inventory is unchanged). */
  async putFindings(target: string, findings: string): Promise<void> {
    await this.db.put(`findings:${target}`, findings);
  }

  /** Every target record, in key order; a corrupt one drops the cache (and the list is then empty). */
  async targets(): Promise<Array<[string, TargetRecord]>> {
    const out: Array<[string, TargetRecord]> = [];
    const keys: string[] = [];
    const values: string[] = [];
    for await (const [key, stored] of this.db.iterator({ gt: 'target:', lt: 'target;' })) {
      keys.push(key.slice('target:'.length));
      values.push(stored);
    }
    const findings = await this.db.getMany(keys.map((key) => `findings:${key}`));
    for (const [i, key] of keys.entries()) {
      const record = await this.checkTarget(unseal(values[i] ?? ''), findings[i]);
      if (record === undefined) return [];
      out.push([key, record]);
    }
    return out;
  }

  /** The record, or undefined after dropping the cache when it is damaged. */
  private async checkTarget(value: unknown, findings: string | undefined): Promise<TargetRecord | undefined> {
    const record = typeof value === 'object' && value !== null ? { ...value, findings: findings === undefined || findings === '' ? null : findings } : value;
    if (isTargetRecord(record) && (record.findings === null || /^[0-9a-f]{64}$/.test(record.findings))) return record;
    await this.reset();
    return undefined;
  }

  private async get<T>(kind: Kind, key: string, shape: (value: unknown) => value is T): Promise<T | undefined> {
    const id = `${kind}:${key}`;
    const stored = await this.db.get(`rec:${id}`);
    if (stored === undefined) {
      this.lru.forget(id);
      return undefined;
    }
    const value = unseal(stored);
    if (!shape(value)) {
      await this.reset();
      return undefined;
    }
    const bytes = Buffer.byteLength(stored);
    this.lru.touch(id, bytes);
    await this.db.put(`use:${id}`, `${++this.sequence}:${bytes}`);
    return value;
  }

  private async put(kind: Kind, key: string, record: LayerRecord | ImageRecord): Promise<void> {
    const id = `${kind}:${key}`;
    const stored = seal(record);
    const bytes = Buffer.byteLength(stored);
    // A record larger than the whole bound would evict everything and then itself.
    if (bytes > this.lru.maxBytes) return;
    this.lru.touch(id, bytes);
    const evicted = this.lru.overflow();
    this.counters.evictions += evicted.length;
    await this.db.batch([
      { type: 'put', key: `rec:${id}`, value: stored },
      { type: 'put', key: `use:${id}`, value: `${++this.sequence}:${bytes}` },
      ...evicted.flatMap((old) => [
        { type: 'del' as const, key: `rec:${old}` },
        { type: 'del' as const, key: `use:${old}` },
      ]),
    ]);
  }

  /** Checks the layout and loads the LRU order; anything unexpected drops the cache. */
  private async load(): Promise<void> {
    const schema = await this.db.get(SCHEMA_KEY);
    if (schema !== schemaValue()) {
      await this.reset(schema !== undefined);
      return;
    }
    const uses: Array<{ id: string; sequence: number; bytes: number }> = [];
    for await (const [key, value] of this.db.iterator({ gt: 'use:', lt: 'use;' })) {
      const use = parseUse(value);
      if (use === undefined) {
        await this.reset();
        return;
      }
      uses.push({ id: key.slice('use:'.length), ...use });
    }
    uses.sort((a, b) => a.sequence - b.sequence);
    for (const use of uses) this.lru.touch(use.id, use.bytes);
    this.sequence = uses.at(-1)?.sequence ?? 0;
  }

  /** Drops everything and starts an empty cache of this layout. */
  private async reset(count = true): Promise<void> {
    if (count) this.counters.resets++;
    await this.db.clear();
    this.lru.overflowAll();
    this.sequence = 0;
    await this.db.put(SCHEMA_KEY, schemaValue());
  }
}

function schemaValue(): string {
  return `${LAYOUT} stella ${toolVersion()}`;
}
