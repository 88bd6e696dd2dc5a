/**
 * The review of a commit range in the state repository: every report folder
 * whose report.json differs between commit A and commit B, diffed.
 *
 * @example
 *   const entries = await reviewRange(store, baseCommit, headCommit);
 *   console.log(renderReviewMarkdown(entries));
 */
import type { GitStore } from '../git/git-store.js';
import { FINDINGS_DIR, REPORT_FILE } from './layout.js';
import { diffReports, type ReviewEntry } from './review.js';
import { parseReport } from './serialize.js';

export async function reviewRange(store: GitStore, base: string | undefined, head: string): Promise<ReviewEntry[]> {
  const before = base === undefined ? new Map<string, string>() : await reportBlobs(store, base);
  const after = await reportBlobs(store, head);
  const folders = [...new Set([...before.keys(), ...after.keys()])].sort();
  const entries: ReviewEntry[] = [];
  for (const folder of folders) {
    const a = before.get(folder);
    const b = after.get(folder);
    if (a === b) continue;
    const previous = a === undefined ? undefined : parseReport(new TextDecoder().decode(await store.readBlob(a)), `${folder}/${REPORT_FILE}`);
    const current = b === undefined ? undefined : parseReport(new TextDecoder().decode(await store.readBlob(b)), `${folder}/${REPORT_FILE}`);
    entries.push({ folder, diff: diffReports(previous, current), current });
  }
  return entries;
}

/** report folder → blob id of its report.json, at a commit. */
async function reportBlobs(store: GitStore, commit: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const node of await store.listFolder(commit, FINDINGS_DIR)) {
    if (node.type !== 'tree') continue;
    for (const target of await store.listFolder(commit, `${FINDINGS_DIR}/${node.path}`)) {
      if (target.type !== 'tree') continue;
      const folder = `${FINDINGS_DIR}/${node.path}/${target.path}`;
      const report = (await store.listFolder(commit, folder)).find((entry) => entry.path === REPORT_FILE);
      if (report !== undefined) out.set(folder, report.oid);
    }
  }
  return out;
}
