/**
 * A node's quota, held by its Durable Object (the one place all of that
 * node's requests pass through, so the count needs no coordination):
 * reports per minute and bytes per day, in fixed windows. Past either,
 * the answer is 429 with `Retry-After` — the seconds until the window
 * that was exceeded starts over.
 *
 * @example
 *   const quota = new NodeQuota({ reportsPerMinute: 120, bytesPerDay: 256 << 20 });
 *   quota.take(body.length, Date.now()); // throws a 429 ProblemError when over
 */
import { ProblemError } from '../problem.js';

export interface QuotaLimits {
  reportsPerMinute: number;
  bytesPerDay: number;
}

/** Defaults for a node that scans on a schedule: generous for bursts, small against a runaway agent. */
export const DEFAULT_QUOTA: QuotaLimits = { reportsPerMinute: 600, bytesPerDay: 1024 * 1024 * 1024 };

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Reads a positive integer limit from a binding's text, or the default. */
export function quotaFrom(values: { QUOTA_REPORTS_PER_MINUTE?: string | undefined; QUOTA_BYTES_PER_DAY?: string | undefined }): QuotaLimits {
  const read = (text: string | undefined, fallback: number): number => {
    const n = Number(text);
    return text !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
  };
  return { reportsPerMinute: read(values.QUOTA_REPORTS_PER_MINUTE, DEFAULT_QUOTA.reportsPerMinute), bytesPerDay: read(values.QUOTA_BYTES_PER_DAY, DEFAULT_QUOTA.bytesPerDay) };
}

export class NodeQuota {
  private minute = { start: 0, count: 0 };
  private day = { start: 0, bytes: 0 };

  constructor(private readonly limits: QuotaLimits) {}

  /**
   * Counts one report of `bytes` at `now` (ms), or throws 429 without counting it.
   * @example quota.take(2048, Date.now())
   */
  take(bytes: number, now: number): void {
    if (now - this.minute.start >= MINUTE) this.minute = { start: now - (now % MINUTE), count: 0 };
    if (now - this.day.start >= DAY) this.day = { start: now - (now % DAY), bytes: 0 };
    if (this.minute.count + 1 > this.limits.reportsPerMinute) {
      throw over(this.minute.start + MINUTE - now, `more than ${this.limits.reportsPerMinute} reports in one minute`);
    }
    if (this.day.bytes + bytes > this.limits.bytesPerDay) {
      throw over(this.day.start + DAY - now, `more than ${this.limits.bytesPerDay} bytes of reports in one day`);
    }
    this.minute.count += 1;
    this.day.bytes += bytes;
  }
}

function over(waitMs: number, what: string): ProblemError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new ProblemError(429, 'quota-exceeded', 'Node quota exceeded', `this node sent ${what}; retry in ${seconds} s`, { retryAfter: seconds }, { 'Retry-After': String(seconds) });
}
