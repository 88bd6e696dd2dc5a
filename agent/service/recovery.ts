/**
 * Exactly-once for scans that commit: a job interrupted after its commit
 * landed (kill -9 between moving the branch and marking the job done) must
 * not commit again. Every agent commit carries the job's id as a trailer,
 * so before re-running an interrupted job the worker looks for it on the
 * node's branch, and if it is there, completes the job from that commit.
 *
 * @example
 *   const found = await findScanCommit(repo.store, 'agents/edge-1', job.id);
 */
import type { GitStore } from '../../core/git/git-store.js';
import { REPORT_FILE } from '../../core/report/layout.js';
import { parseReport } from '../../core/report/serialize.js';
import type { Report } from '../../core/model/report.js';
import { REPORT_TRAILER, SCAN_ID_TRAILER } from './trailers.js';

/** How far back the branch is searched: a crash is found at the tip or a few commits below it (pushes replay, schedules run on). */
const SEARCH_DEPTH = 500;

/** A commit a scan job already made, with the report it holds. */
export interface FoundScanCommit {
  commit: string;
  folder: string;
  report: Report;
}

/**
 * The commit on `branch` (first-parent history) whose trailer names `scanId`, or undefined.
 * @example await findScanCommit(store, 'agents/edge-1', '6f1c…')
 */
export async function findScanCommit(store: GitStore, branch: string, scanId: string): Promise<FoundScanCommit | undefined> {
  let oid = await store.branchTip(branch);
  for (let depth = 0; oid !== undefined && depth < SEARCH_DEPTH; depth++) {
    const info = await store.readCommit(oid);
    const trailers = parseTrailers(info.message);
    if (trailers.get(SCAN_ID_TRAILER) === scanId) {
      const folder = trailers.get(REPORT_TRAILER);
      const bytes = folder === undefined ? undefined : await store.readFile(oid, `${folder}/${REPORT_FILE}`);
      if (folder === undefined || bytes === undefined) return undefined;
      return { commit: oid, folder, report: parseReport(new TextDecoder().decode(bytes), `${oid}:${folder}/${REPORT_FILE}`) };
    }
    oid = info.parents[0];
  }
  return undefined;
}

/** The `Key: value` lines of a message's last paragraph (Git's trailer block). */
export function parseTrailers(message: string): Map<string, string> {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  const last = paragraphs.length > 1 ? (paragraphs[paragraphs.length - 1] ?? '') : '';
  const trailers = new Map<string, string>();
  for (const line of last.split('\n')) {
    const match = /^([A-Za-z0-9-]+): (.*)$/.exec(line);
    if (match !== null) trailers.set(match[1] as string, match[2] as string);
  }
  return trailers;
}
