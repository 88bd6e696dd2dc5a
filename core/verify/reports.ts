/**
 * Report verification: `findings/<node>/<target>/report.sigstore.json` must
 * be signed by a key enrolled for `<node>` in the root that judges it
 * (`judgingRoot`), and its in-toto statement must name the stored report
 * and SBOM by SHA-256.
 *
 * "When the report was committed" is the commit where the bundle's blob last
 * changed on the branch, found the way `git log` simplifies history: walk
 * back through a parent holding the same blob (so a merge leads to the
 * commit that made the report, not to the merge).
 *
 * @example
 *   for (const folder of await reportFolders(store, tip)) await verifyReport(store, tip, 'agents/edge-1', folder, trust, failures);
 */
import { describeError } from '../errors.js';
import { BUNDLE_FILE, FINDINGS_DIR, REPORT_FILE, SBOM_FILE } from '../report/layout.js';
import { parseReport } from '../report/serialize.js';
import { verifyBundle } from '../sign/bundle.js';
import { sha256Hex } from '../sign/encoding.js';
import type { GitStore } from '../git/git-store.js';
import { trustedKeyIds, trustedKeyLookup } from '../trust/lookup.js';
import type { TrustRoot } from '../trust/root.js';
import type { CommitGraph } from './commits.js';
import { judgingRoot, type TrustState } from './trust-state.js';
import type { VerifyFailure } from './types.js';

/**
 * Folders under findings/ that hold a report (findings/<node>/<target>).
 * @example await reportFolders(store, tip) // ['findings/edge-1/app']
 */
export async function reportFolders(store: GitStore, commit: string): Promise<string[]> {
  const out: string[] = [];
  for (const node of await store.listFolder(commit, FINDINGS_DIR)) {
    if (node.type !== 'tree') continue;
    for (const target of await store.listFolder(commit, `${FINDINGS_DIR}/${node.path}`)) {
      if (target.type === 'tree') out.push(`${FINDINGS_DIR}/${node.path}/${target.path}`);
    }
  }
  return out.sort();
}

/**
 * The commit, reachable from `tip`, where the blob at `path` last changed.
 * @example await lastChanged(graph, tip, 'findings/edge-1/app/report.sigstore.json')
 */
export async function lastChanged(graph: CommitGraph, tip: string, path: string): Promise<string> {
  const blob = await graph.blobAt(tip, path);
  let commit = tip;
  for (;;) {
    let same: string | undefined;
    for (const parent of await graph.parents(commit)) {
      if ((await graph.blobAt(parent, path)) === blob) {
        same = parent;
        break;
      }
    }
    if (same === undefined) return commit;
    commit = same;
  }
}

/**
 * Checks one report folder at `commit`, recording failures as `branch:path`.
 * @example await verifyReport(store, tip, 'agents/edge-1', 'findings/edge-1/app', trust, failures);
 */
export async function verifyReport(store: GitStore, commit: string, branch: string, folder: string, trust: TrustState, failures: VerifyFailure[]): Promise<void> {
  const node = folder.split('/')[1] as string;
  const fail = (file: string, reason: string): void => {
    failures.push({ where: `${branch}:${folder}/${file}`, reason });
  };
  const [report, sbom, bundle] = await Promise.all([REPORT_FILE, SBOM_FILE, BUNDLE_FILE].map((file) => store.readFile(commit, `${folder}/${file}`)));
  if (report === undefined) return fail(REPORT_FILE, 'missing');
  if (bundle === undefined) return fail(BUNDLE_FILE, 'missing: the report is unsigned');
  if (trust.expired !== undefined) return fail(REPORT_FILE, trust.expired);
  const origin = await lastChanged(trust.history.graph, commit, `${folder}/${BUNDLE_FILE}`);
  const judging = await judgingRoot(trust, origin);
  if (judging.$case === 'none') return fail(BUNDLE_FILE, judging.reason);
  let bundleJson: unknown;
  try {
    bundleJson = JSON.parse(new TextDecoder().decode(bundle));
  } catch (error) {
    return fail(BUNDLE_FILE, `not valid JSON (${(error as Error).message})`);
  }
  const trusted = trustedKeyLookup(judging.root, 'reports', node);
  let untrusted: string | undefined;
  try {
    const statement = await verifyBundle(bundleJson, {
      publicKeys: (hint) => {
        const pem = trusted(hint);
        if (pem === undefined) untrusted = hint;
        return pem;
      },
      artifact: { name: REPORT_FILE, sha256: await sha256Hex(report) },
    });
    if (sbom !== undefined) {
      const subject = statement.subject.find((s) => s.name === SBOM_FILE);
      const digest = await sha256Hex(sbom);
      if (subject === undefined) fail(SBOM_FILE, 'not covered by the signed statement');
      else if (subject.digest['sha256'] !== digest) fail(SBOM_FILE, `SHA-256 ${digest.slice(0, 12)}… differs from the signed statement`);
    }
    const predicateNode = (statement.predicate as { node?: unknown }).node;
    if (predicateNode !== node) fail(BUNDLE_FILE, `signed for node '${String(predicateNode)}' but stored under findings/${node}`);
    parseReport(new TextDecoder().decode(report), `${folder}/${REPORT_FILE}`);
  } catch (error) {
    fail(REPORT_FILE, untrusted === undefined ? describeError(error) : notEnrolled(untrusted, node, judging.root, judging.context, trust));
  }
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
