/**
 * What the edge remembers about each report it accepted, by report digest,
 * in the node's Durable Object storage: the answer a replay gets, and the
 * status the read API shows (accepted → committed, or failed with why).
 * Records this instance wrote or read are also kept in memory (the most
 * recent CACHED_RECORDS): a round's settling, replays and status reads then
 * cost no storage read. Only this object writes these keys, and every write
 * goes to storage before the copy in memory changes, so the copy never says
 * more than storage does; a new instance (after eviction) starts empty and
 * reads storage.
 *
 * @example await records.put(acceptedRecord(report, Date.now()));
 */
import type { VerifiedReport } from './verify.js';

/** One report's fate. */
export interface ReportRecord {
  digest: string;
  node: string;
  folder: string;
  target: string;
  sequence: number;
  status: 'accepted' | 'committed' | 'failed';
  receivedAt: string;
  commit?: string;
  reason?: string;
}

/** The storage a Durable Object offers (the part used here). */
export interface RecordStorage {
  get<T>(key: string): Promise<T | undefined>;
  get<T>(keys: string[]): Promise<Map<string, T>>;
  put<T>(key: string, value: T): Promise<void>;
  put<T>(entries: Record<string, T>): Promise<void>;
}

/** Keys one storage call may take (the Durable Object storage limit). */
const KEYS_PER_CALL = 128;

const KEY = 'report:';

/** Records kept in memory (a few hundred bytes each). */
const CACHED_RECORDS = 10_000;

/** A fresh record for a report that passed every check. */
export function acceptedRecord(report: VerifiedReport, now: number): ReportRecord {
  return { digest: report.digest, node: report.node, folder: report.folder, target: report.claim.target, sequence: report.claim.sequence, status: 'accepted', receivedAt: new Date(now).toISOString() };
}

export class ReportRecords {
  private readonly cache = new Map<string, Readonly<ReportRecord>>();

  constructor(private readonly storage: RecordStorage) {}

  async get(digest: string): Promise<Readonly<ReportRecord> | undefined> {
    const cached = this.cache.get(digest);
    if (cached !== undefined) return cached;
    const stored = await this.storage.get<ReportRecord>(KEY + digest);
    if (stored !== undefined) this.remember(stored);
    return stored;
  }

  async put(record: ReportRecord): Promise<void> {
    await this.storage.put(KEY + record.digest, record);
    this.remember(record);
  }

  /** Marks each digest's record with the batch's outcome (at most a read and a write per 128 records, not per record). */
  async settle(digests: readonly string[], update: Pick<ReportRecord, 'status' | 'commit' | 'reason'>): Promise<void> {
    for (let at = 0; at < digests.length; at += KEYS_PER_CALL) {
      const slice = digests.slice(at, at + KEYS_PER_CALL);
      const missing = slice.filter((digest) => !this.cache.has(digest));
      const stored = missing.length === 0 ? new Map<string, ReportRecord>() : await this.storage.get<ReportRecord>(missing.map((digest) => KEY + digest));
      const updated: Record<string, ReportRecord> = {};
      for (const digest of slice) {
        const record = this.cache.get(digest) ?? stored.get(KEY + digest);
        if (record === undefined) continue;
        const next: ReportRecord = { ...record, status: update.status };
        if (update.commit !== undefined) next.commit = update.commit;
        if (update.reason !== undefined) next.reason = update.reason;
        updated[KEY + digest] = next;
      }
      if (Object.keys(updated).length === 0) continue;
      await this.storage.put(updated);
      for (const record of Object.values(updated)) this.remember(record);
    }
  }

  /** Keeps `record` as the newest in memory, dropping the oldest past CACHED_RECORDS. */
  private remember(record: ReportRecord): void {
    this.cache.delete(record.digest);
    this.cache.set(record.digest, Object.freeze(record));
    if (this.cache.size > CACHED_RECORDS) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
