/**
 * VEX timestamps as sortable strings. Formats write RFC 3339 times with
 * any offset and up to nine fraction digits (Go's default); comparing
 * them needs one form: UTC with exactly nine fraction digits, which sorts
 * as text in time order (years 0000–9999). JavaScript's Date keeps only
 * milliseconds, so the fraction is carried over as written.
 *
 * @example
 *   normaliseTimestamp('2023-08-16T19:55:22.076684217-06:00'); // '2023-08-17T01:55:22.076684217Z'
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9})\d*)?([Zz]|[+-]\d{2}:?\d{2}))?$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * The canonical UTC form of an RFC 3339 date-time (or a bare date, read as
 * midnight UTC, as CycloneDX examples write), or undefined when `text` is
 * not one.
 *
 * @example normaliseTimestamp('2022-03-03'); // '2022-03-03T00:00:00.000000000Z'
 */
export function normaliseTimestamp(text: string): string | undefined {
  const m = RFC3339.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = m;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.replace(':', '');
    offsetMinutes = (digits.startsWith('-') ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(local);
  // Date.UTC rolls 2023-02-30 over to March: refuse dates that do not exist.
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  const utc = new Date(local - offsetMinutes * 60_000);
  const date = `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}`;
  const time = `${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}`;
  return `${date}T${time}.${fraction.padEnd(9, '0')}Z`;
}
