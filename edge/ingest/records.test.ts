import { describe, expect, it } from 'vitest';
import { ReportRecords, type RecordStorage, type ReportRecord } from './records.js';

/** A Durable Object's storage as a Map, counting reads (the part ReportRecords uses). */
class MapStorage implements RecordStorage {
  readonly data = new Map<string, unknown>();
  reads = 0;
  failPuts = false;

  get<T>(key: string): Promise<T | undefined>;
  get<T>(keys: string[]): Promise<Map<string, T>>;
  async get<T>(keys: string | string[]): Promise<T | undefined | Map<string, T>> {
    this.reads += 1;
    if (typeof keys === 'string') return structuredClone(this.data.get(keys)) as T | undefined;
    return new Map(keys.filter((key) => this.data.has(key)).map((key) => [key, structuredClone(this.data.get(key)) as T]));
  }

  put<T>(key: string, value: T): Promise<void>;
  put<T>(entries: Record<string, T>): Promise<void>;
  async put<T>(keyOrEntries: string | Record<string, T>, value?: T): Promise<void> {
    if (this.failPuts) throw new Error('storage unavailable');
    const entries = typeof keyOrEntries === 'string' ? { [keyOrEntries]: value } : keyOrEntries;
    for (const [key, entry] of Object.entries(entries)) this.data.set(key, structuredClone(entry));
  }
}

const record = (digest: string): ReportRecord => ({ digest, node: 'n1', folder: `findings/n1/${digest}`, target: digest, sequence: 1, status: 'accepted', receivedAt: '2026-01-01T00:00:00.000Z' });

describe('ReportRecords', () => {
  it('settles from memory what it wrote, and a new instance over the same storage reads the same records', async () => {
    const storage = new MapStorage();
    const records = new ReportRecords(storage);
    await records.put(record('a'));
    await records.put(record('b'));
    await records.settle(['a', 'b'], { status: 'committed', commit: 'c1' });
    expect(storage.reads).toBe(0);
    expect(await records.get('a')).toEqual({ ...record('a'), status: 'committed', commit: 'c1' });
    expect(storage.reads).toBe(0);

    // As after the object was evicted: nothing in memory, storage says what the old instance last said.
    const restarted = new ReportRecords(storage);
    for (const digest of ['a', 'b']) expect(await restarted.get(digest)).toEqual(await records.get(digest));
    expect(storage.reads).toBe(2);
    expect(await restarted.get('unknown')).toBeUndefined();
  });

  it('settles records an earlier instance wrote by reading them, and never remembers a write storage refused', async () => {
    const storage = new MapStorage();
    await new ReportRecords(storage).put(record('old'));
    const records = new ReportRecords(storage);
    await records.put(record('new'));
    await records.settle(['old', 'new', 'never-seen'], { status: 'failed', reason: 'remote down' });
    expect(storage.reads).toBe(1);
    expect(storage.data.get('report:old')).toEqual({ ...record('old'), status: 'failed', reason: 'remote down' });
    expect(storage.data.has('report:never-seen')).toBe(false);

    storage.failPuts = true;
    await expect(records.put(record('lost'))).rejects.toThrow('storage unavailable');
    await expect(records.settle(['new'], { status: 'committed', commit: 'c2' })).rejects.toThrow('storage unavailable');
    expect(await records.get('lost')).toBeUndefined();
    expect((await records.get('new'))?.status).toBe('failed');
  });
});
