/**
 * The Git trailers an agent commit carries, so a job can be found on the
 * node's branch after a crash (`recovery.ts`). Kept apart from the scan
 * path so that finding a commit does not load the scanners.
 */

/** Trailer naming the scan job that made a commit. */
export const SCAN_ID_TRAILER = 'Stella-Scan-Id';
/** Trailer naming the report folder the commit wrote. */
export const REPORT_TRAILER = 'Stella-Report';
