/**
 * Dates in policies and exceptions. An expiry is either a calendar date
 * (`2026-06-30`: the exception applies through that whole day, UTC, and
 * stops at the next midnight) or an RFC 3339 date-time with a zone
 * (`2026-06-30T12:00:00Z`). Anything else — a date that does not exist,
 * a time without a zone — is refused, because a wrongly read expiry either
 * waives a finding for too long or not at all.
 *
 * @example
 *   parseExpiry('2026-06-30'); // { at: 2026-07-01T00:00:00.000Z }
 *   parseExpiry('2026-02-30'); // { problem: "'2026-02-30' is not a real date" }
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const DAY_MS = 86_400_000;

/** The moment an expiry stops applying, or why the text is not one. */
export type ParsedExpiry = { at: Date } | { problem: string };

/** Parses an expiry (see the module comment). */
export function parseExpiry(text: string): ParsedExpiry {
  const date = DATE.exec(text);
  if (date !== null) {
    const start = realDate(Number(date[1]), Number(date[2]), Number(date[3]));
    return start === undefined ? { problem: `'${text}' is not a real date` } : { at: new Date(start + DAY_MS) };
  }
  const time = DATE_TIME.exec(text);
  if (time === null) return { problem: `'${text}' is not a date (YYYY-MM-DD) or an RFC 3339 date-time with a zone` };
  if (realDate(Number(time[1]), Number(time[2]), Number(time[3])) === undefined) return { problem: `'${text}' is not a real date` };
  if (Number(time[4]) > 23 || Number(time[5]) > 59 || Number(time[6]) > 59) return { problem: `'${text}' is not a real time of day` };
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? { problem: `'${text}' is not a valid date-time` } : { at };
}

/** Milliseconds at UTC midnight of the date, or undefined when the date does not exist (Feb 30). */
function realDate(year: number, month: number, day: number): number | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  return check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day ? ms : undefined;
}

/**
 * Whole days from `published` (an OSV timestamp) to `now`, or undefined when it is not a date.
 * @example daysSince('2024-01-01T00:00:00Z', new Date('2024-01-31T12:00:00Z')); // 30
 */
export function daysSince(published: string, now: Date, nowMs: number = now.getTime()): number | undefined {
  const at = Date.parse(published);
  return Number.isNaN(at) ? undefined : Math.floor((nowMs - at) / DAY_MS);
}
