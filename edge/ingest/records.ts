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
  put<T>(key: string, value: T): Promise<void>;
}

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

  /** Marks each digest's record with the batch's outcome. */
  async settle(digests: readonly string[], update: Pick<ReportRecord, 'status' | 'commit' | 'reason'>): Promise<void> {
    for (const digest of digests) {
      const record = await this.get(digest);
      if (record === undefined) continue;
      const next: ReportRecord = { ...record, status: update.status };
      if (update.commit !== undefined) next.commit = update.commit;
      if (update.reason !== undefined) next.reason = update.reason;
      await this.put(next);
    }
  }
}
