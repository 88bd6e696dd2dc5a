/**
 * Everything under `findings/` on one branch: each report folder
 * (`findings/<node>/<target>/`, checked by `report-folder.ts`) against the
 * root that judges it (`judgingRoot`: where its bundle arrived on the trust
 * ref's first-parent line, or the trust ref's current root), and no file
 * anywhere else under `findings/` but its README.md.
 *
 * @example
 *   const { folders, strays } = await findingsLayout(store, tip);
 *   for (const folder of folders) await verifyReport(store, tip, 'agents/edge-1', folder, trust, failures);
 */
import { BUNDLE_FILE, FINDINGS_DIR, REPORT_FILE, RETIREMENT_FILE } from '../report/layout.js';
import type { GitStore } from '../git/git-store.js';
import { trustedKeyIds, trustedKeyLookup } from '../trust/lookup.js';
import type { SignatureMemo } from '../sign/signature-memo.js';
import type { TrustRoot } from '../trust/root.js';
import { checkReportFolder } from './report-folder.js';
import { judgingRoot, type TrustState } from './trust-state.js';
import type { VerifyFailure } from './types.js';

const README = 'README.md';

/**
 * Folders under findings/ that hold (or should hold) a report, and files
 * that lie outside any report folder.
 * @example await findingsLayout(store, tip) // { folders: ['findings/edge-1/app'], strays: [] }
 */
export async function findingsLayout(store: GitStore, commit: string): Promise<{ folders: string[]; strays: string[] }> {
  const folders: string[] = [];
  const strays: string[] = [];
  for (const node of await store.listFolder(commit, FINDINGS_DIR)) {
    const nodePath = `${FINDINGS_DIR}/${node.path}`;
    if (node.type !== 'tree') {
      if (node.path !== README) strays.push(nodePath);
      continue;
    }
    for (const target of await store.listFolder(commit, nodePath)) {
      if (target.type === 'tree') folders.push(`${nodePath}/${target.path}`);
      else strays.push(`${nodePath}/${target.path}`);
    }
  }
  return { folders: folders.sort(), strays: strays.sort() };
}

/**
 * Folders under findings/ that hold a report (findings/<node>/<target>).
 * @example await reportFolders(store, tip) // ['findings/edge-1/app']
 */
export async function reportFolders(store: GitStore, commit: string): Promise<string[]> {
  return (await findingsLayout(store, commit)).folders;
}

/**
 * Checks one report folder at `commit`, recording failures as `branch:path`;
 * `memo` answers signature checks that already passed under the same key.
 * @example await verifyReport(store, tip, 'agents/edge-1', 'findings/edge-1/app', trust, failures);
 */
export async function verifyReport(store: GitStore, commit: string, branch: string, folder: string, trust: TrustState, failures: VerifyFailure[], memo?: SignatureMemo): Promise<void> {
  const node = folder.split('/')[1] as string;
  const fail = (file: string, reason: string): void => {
    failures.push({ where: `${branch}:${folder}/${file}`, reason });
  };
  const entries = await store.listFolder(commit, folder);
  const blobs = new Map<string, Uint8Array>();
  for (const entry of entries) if (entry.type === 'blob') blobs.set(entry.path, await store.readBlob(entry.oid));
  const bundleFile = blobs.has(RETIREMENT_FILE) ? RETIREMENT_FILE : BUNDLE_FILE;
  const bundleOid = entries.find((e) => e.path === bundleFile)?.oid;
  if (trust.expired !== undefined && bundleOid !== undefined) return fail(bundleFile === BUNDLE_FILE ? REPORT_FILE : bundleFile, trust.expired);
  let root = trust.current;
  let context = '';
  if (bundleOid !== undefined) {
    const judging = await judgingRoot(trust, `${folder}/${bundleFile}`, bundleOid, commit);
    if (judging.$case === 'none') return fail(bundleFile, judging.reason);
    ({ root, context } = judging);
  }
  const { problems } = await checkReportFolder(
    folder,
    { blobs, folders: entries.filter((e) => e.type !== 'blob').map((e) => e.path) },
    { publicKeys: trustedKeyLookup(root, 'reports', node), untrusted: (keyid) => notEnrolled(keyid, node, root, context, trust), memo },
  );
  for (const problem of problems) fail(problem.file, problem.reason);
}

/** Says whether the key was never enrolled for the node, or was and has been revoked. */
function notEnrolled(keyid: string, node: string, root: TrustRoot, context: string, trust: TrustState): string {
  const earlier = trust.history
    .verifiedRoots()
    .filter((r) => r.signed.version < root.signed.version && trustedKeyIds(r, 'reports', node).includes(keyid))
    .at(-1);
  const history = earlier === undefined ? '' : `; it was enrolled up to version ${earlier.signed.version}, so it is revoked`;
  return `signed by key ${keyid.slice(0, 12)}…, which is not enrolled for node ${node} in ${context}${history}`;
}
