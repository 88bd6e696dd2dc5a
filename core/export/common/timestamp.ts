/**
 * The time a document carries, for formats that require one (OpenVEX's
 * `timestamp`, SPDX's `creationInfo.created`, CycloneDX VEX metadata).
 * Exporters never read a clock: the caller's `context.timestamp` when
 * given, else the Unix epoch — a fixed value, so the same report still
 * gives the same bytes, and one no reader can mistake for a real time.
 *
 * @example
 *   documentTime({ timestamp: '2025-08-25T10:00:00.123Z' }, 'openvex'); // '2025-08-25T10:00:00Z'
 *   documentTime({}, 'openvex');                                         // '1970-01-01T00:00:00Z'
 */
import { StellaError } from '../../errors.js';
import type { ExportContext } from '../exporter.js';

/** The documented stand-in when the caller passes no time. */
export const FIXED_DOCUMENT_TIME = '1970-01-01T00:00:00Z';

/**
 * `context.timestamp` in UTC to the second (SPDX admits no fraction), or
 * {@link FIXED_DOCUMENT_TIME}; USAGE when the timestamp is not a date.
 */
export function documentTime(context: ExportContext, format: string): string {
  if (context.timestamp === undefined) return FIXED_DOCUMENT_TIME;
  const date = new Date(context.timestamp);
  if (Number.isNaN(date.getTime())) throw new StellaError('USAGE', `${format}: timestamp ${JSON.stringify(context.timestamp.slice(0, 40))} is not a date (use ISO 8601, e.g. 2025-08-25T10:00:00Z)`);
  return `${date.toISOString().slice(0, 19)}Z`;
}
