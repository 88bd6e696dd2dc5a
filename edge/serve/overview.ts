/**
 * What the dashboard and the read API show, computed from the mirror:
 * nodes (from main's trust root and the `agents/*` branches) with the age
 * of their last report, each target's latest report with its severity
 * counts and verification status (the folder check `stella verify` runs,
 * against main's trust root), and a target's scan history for diffs.
 * Cached per set of branch tips: nothing is recomputed until one moves.
 *
 * @example const overview = await buildOverview(remote.store, tips);
 */
import { describeError } from '../../core/errors.js';
import type { GitStore } from '../../core/git/git-store.js';
import type { Report } from '../../core/model/report.js';
import { REPORT_FILE } from '../../core/report/layout.js';
import { parseReport } from '../../core/report/serialize.js';
import { trustedKeyLookup } from '../../core/trust/lookup.js';
import type { TrustRoot } from '../../core/trust/root.js';
import { checkReportFolder } from '../../core/verify/report-folder.js';
import { reportFolders } from '../../core/verify/reports.js';
import { currentTrustRoot } from '../../core/verify/trust-state.js';
import type { BranchTips } from '../git/state-remote.js';

export type Verification = { $case: 'verified' } | { $case: 'failed'; problems: string[] };

/** One target's latest report as the dashboard lists it. */
export interface TargetView {
  node: string;
  /** The folder's name under findings/<node>/. */
  slug: string;
  target: string;
  branch: string;
  sequence: number | undefined;
  signedAt: string | undefined;
  verification: Verification;
  severities: Record<string, number>;
  findings: number;
  kev: number;
  report: Report | undefined;
}

export interface NodeView {
  node: string;
  enrolled: boolean;
  branch: string | undefined;
  targets: number;
  lastReportAt: string | undefined;
}

export interface Overview {
  mainTip: string | undefined;
  nodes: NodeView[];
  targets: TargetView[];
}

let cache: { key: string; overview: Overview } | undefined;

/**
 * The overview for these branch tips (cached while they stay the same).
 * @example (await buildOverview(store, tips)).nodes
 */
export async function buildOverview(store: GitStore, tips: BranchTips): Promise<Overview> {
  const key = [...tips].map(([b, t]) => `${b}=${t ?? ''}`).join(',');
  if (cache?.key === key) return cache.overview;
  const mainTip = tips.get('main');
  const root = mainTip === undefined ? undefined : await currentTrustRoot(store, mainTip).catch(() => undefined);
  const targets: TargetView[] = [];
  for (const [branch, tip] of tips) {
    if (tip === undefined || !branch.startsWith('agents/')) continue;
    const node = branch.slice('agents/'.length);
    for (const folder of await reportFolders(store, tip)) {
      if (folder.split('/')[1] !== node) continue;
      targets.push(await targetView(store, branch, tip, folder, root));
    }
  }
  const names = new Set([...Object.keys(root?.signed.nodes ?? {}), ...targets.map((t) => t.node)]);
  const nodes = [...names].sort().map((node): NodeView => {
    const own = targets.filter((t) => t.node === node);
    const times = own.map((t) => t.signedAt).filter((t): t is string => t !== undefined).sort();
    return { node, enrolled: root?.signed.nodes[node] !== undefined, branch: tips.has(`agents/${node}`) ? `agents/${node}` : undefined, targets: own.length, lastReportAt: times.at(-1) };
  });
  const overview = { mainTip, nodes, targets: targets.sort((a, b) => (a.node + a.slug < b.node + b.slug ? -1 : 1)) };
  cache = { key, overview };
  return overview;
}

async function targetView(store: GitStore, branch: string, tip: string, folder: string, root: TrustRoot | undefined): Promise<TargetView> {
  const [, node = '', slug = ''] = folder.split('/');
  const blobs = new Map<string, Uint8Array>();
  const folders: string[] = [];
  for (const entry of await store.listFolder(tip, folder)) {
    if (entry.type === 'blob') blobs.set(entry.path, await store.readBlob(entry.oid));
    else folders.push(entry.path);
  }
  let verification: Verification = { $case: 'failed', problems: ['main has no trust root that verifies'] };
  let claim: { target: string; sequence: number; signedAt: string } | undefined;
  if (root !== undefined) {
    const checked = await checkReportFolder(folder, { blobs, folders }, { publicKeys: trustedKeyLookup(root, 'reports', node), untrusted: (k) => `signed by key ${k}, not enrolled for ${node}` });
    claim = checked.claim;
    verification = checked.problems.length === 0 ? { $case: 'verified' } : { $case: 'failed', problems: checked.problems.map((p) => `${p.file}: ${p.reason}`) };
  }
  const report = readReport(blobs.get(REPORT_FILE), folder);
  const severities = report?.summary.severities ?? {};
  return {
    node,
    slug,
    target: claim?.target ?? report?.target.name ?? slug,
    branch,
    sequence: claim?.sequence,
    signedAt: claim?.signedAt,
    verification,
    severities,
    findings: report?.findings.length ?? 0,
    kev: report?.findings.filter((f) => f.kev !== undefined).length ?? 0,
    report,
  };
}

function readReport(bytes: Uint8Array | undefined, folder: string): Report | undefined {
  if (bytes === undefined) return undefined;
  try {
    return parseReport(new TextDecoder().decode(bytes), `${folder}/${REPORT_FILE}`);
  } catch (error) {
    console.warn(`edge: ${describeError(error)}`);
    return undefined;
  }
}

/** One scan of a target in its branch's history: the commit that recorded it. */
export interface ScanEntry {
  commit: string;
  time: number;
  reportOid: string;
}

/**
 * The distinct reports of a folder along the branch's first-parent history, newest first (at most `limit`).
 * @example await scanHistory(store, tip, 'findings/n1/app')
 */
export async function scanHistory(store: GitStore, tip: string, folder: string, limit = 20): Promise<ScanEntry[]> {
  const out: ScanEntry[] = [];
  let commit: string | undefined = tip;
  let steps = 0;
  while (commit !== undefined && out.length < limit && steps++ < 500) {
    const info = await store.readCommit(commit);
    const entry = (await store.listFolder(commit, folder)).find((e) => e.path === REPORT_FILE);
    if (entry === undefined) break;
    const last = out.at(-1);
    if (last === undefined || last.reportOid !== entry.oid) out.push({ commit, time: info.time, reportOid: entry.oid });
    // Same report further back: the older commit is where it was recorded.
    else out[out.length - 1] = { commit, time: info.time, reportOid: entry.oid };
    commit = info.parents[0];
  }
  return out;
}

/**
 * The report of `folder` at `commit`, parsed.
 * @example await reportAt(store, commit, 'findings/n1/app')
 */
export async function reportAt(store: GitStore, commit: string, folder: string): Promise<Report | undefined> {
  return readReport(await store.readFile(commit, `${folder}/${REPORT_FILE}`), folder);
}
