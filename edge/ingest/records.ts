/**
 * What the edge remembers about each report it accepted, by report digest,
 * in the node's Durable Object storage: the answer a replay gets, and the
 * status the read API shows (accepted → committed, or failed with why).
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

/** A fresh record for a report that passed every check. */
export function acceptedRecord(report: VerifiedReport, now: number): ReportRecord {
  return { digest: report.digest, node: report.node, folder: report.folder, target: report.claim.target, sequence: report.claim.sequence, status: 'accepted', receivedAt: new Date(now).toISOString() };
}

export class ReportRecords {
  constructor(private readonly storage: RecordStorage) {}

  get(digest: string): Promise<ReportRecord | undefined> {
    return this.storage.get<ReportRecord>(KEY + digest);
  }

  put(record: ReportRecord): Promise<void> {
    return this.storage.put(KEY + record.digest, record);
  }

  /** Marks each digest's record with the batch's outcome (a read and a write per 128 records, not per record). */
  async settle(digests: readonly string[], update: Pick<ReportRecord, 'status' | 'commit' | 'reason'>): Promise<void> {
    for (let at = 0; at < digests.length; at += KEYS_PER_CALL) {
      const records = await this.storage.get<ReportRecord>(digests.slice(at, at + KEYS_PER_CALL).map((digest) => KEY + digest));
      const updated: Record<string, ReportRecord> = {};
      for (const [key, record] of records) {
        const next: ReportRecord = { ...record, status: update.status };
        if (update.commit !== undefined) next.commit = update.commit;
        if (update.reason !== undefined) next.reason = update.reason;
        updated[key] = next;
      }
      if (Object.keys(updated).length > 0) await this.storage.put(updated);
    }
  }
}
