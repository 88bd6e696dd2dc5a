/**
 * `stella push` for a node without Git credentials: its reports go to the
 * edge (`edge: URL` in the config) instead of the Git remote. Each report
 * folder of `findings/<node>/` on the node's branch that differs from main
 * is posted as `POST /v1/reports` (bundle, report, SBOM, summary); the edge
 * verifies it and commits it to `agents/<node>` itself. The edge dedupes by
 * report digest, so sending a folder again is harmless (it answers with the
 * original record), and a push that was cut off can simply be run again.
 *
 * Authentication is the caller's: `fetch` is the agent's authenticated
 * client for the edge (DPoP-bound tokens), passed in so this module stays
 * the same whichever client the node uses.
 *
 * @example
 *   const result = await pushThroughEdge(repo.store, { edge: 'https://edge.example', node: 'edge-1', fetch: edgeClient });
 */
import { StellaError } from '../../core/errors.js';
import type { GitStore } from '../../core/git/git-store.js';
import { agentBranch, BUNDLE_FILE, FINDINGS_DIR, REPORT_FILE, SBOM_FILE, SUMMARY_FILE } from '../../core/report/layout.js';

/** The fetch-shaped client that reaches the edge (with the node's credentials). */
export type EdgeFetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;

export interface EdgePushOptions {
  edge: string;
  node: string;
  fetch: EdgeFetch;
  /** How long to wait for the edge to commit what it accepted (default 60 s; 0: do not wait). */
  waitMs?: number;
  /** Poll interval while waiting (ms). */
  pollMs?: number;
}

/** What the edge did with one folder. */
export interface EdgeReportResult {
  folder: string;
  digest: string;
  status: 'accepted' | 'committed' | 'failed';
  commit?: string;
  reason?: string;
}

export interface EdgePushResult {
  branch: string;
  edge: string;
  reports: EdgeReportResult[];
}

/**
 * Posts the node's changed report folders to the edge and waits for their commits.
 * Throws VERIFY_FAILED naming the folder and the edge's problem when one is refused.
 * @example (await pushThroughEdge(store, options)).reports.map((r) => r.status)
 */
export async function pushThroughEdge(store: GitStore, options: EdgePushOptions): Promise<EdgePushResult> {
  const branch = agentBranch(options.node);
  const tip = await store.branchTip(branch);
  const reports: EdgeReportResult[] = [];
  if (tip === undefined) return { branch, edge: options.edge, reports };
  for (const folder of await changedFolders(store, tip, options.node)) reports.push(await postFolder(store, tip, folder, options));
  await waitForCommits(reports, options);
  return { branch, edge: options.edge, reports };
}

/** Report folders of the node at `tip` whose report differs from main's (or that main lacks). */
async function changedFolders(store: GitStore, tip: string, node: string): Promise<string[]> {
  const main = await store.branchTip('main');
  const base = `${FINDINGS_DIR}/${node}`;
  const onMain = new Map((main === undefined ? [] : await store.listFolder(main, base)).map((e) => [e.path, e.oid]));
  return (await store.listFolder(tip, base)).filter((e) => e.type === 'tree' && onMain.get(e.path) !== e.oid).map((e) => `${base}/${e.path}`);
}

async function postFolder(store: GitStore, tip: string, folder: string, options: EdgePushOptions): Promise<EdgeReportResult> {
  const text = async (name: string): Promise<string | undefined> => {
    const bytes = await store.readFile(tip, `${folder}/${name}`);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  };
  const [bundle, report, sbom, summary] = await Promise.all([text(BUNDLE_FILE), text(REPORT_FILE), text(SBOM_FILE), text(SUMMARY_FILE)]);
  // A retired target's folder holds only its retirement: the edge takes scan reports.
  if (bundle === undefined || report === undefined || sbom === undefined) throw new StellaError('USAGE', `${folder}: not a report folder the edge takes (needs ${BUNDLE_FILE}, ${REPORT_FILE} and ${SBOM_FILE})`);
  const body = JSON.stringify({ bundle: JSON.parse(bundle) as unknown, report, sbom, ...(summary === undefined ? {} : { summary }) });
  const answer = await options.fetch(`${options.edge}/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const document = (await answer.json().catch(() => ({}))) as Record<string, unknown>;
  if (answer.status !== 200 && answer.status !== 202) {
    const detail = typeof document['detail'] === 'string' ? document['detail'] : `HTTP ${answer.status}`;
    const retry = answer.headers.get('retry-after');
    throw new StellaError('VERIFY_FAILED', `edge ${options.edge} refused ${folder}: ${detail}${retry === null ? '' : ` (retry after ${retry} s)`}`, { data: { folder, status: answer.status, problem: document } });
  }
  return recordOf(folder, document);
}

function recordOf(folder: string, document: Record<string, unknown>): EdgeReportResult {
  const status = document['status'];
  const result: EdgeReportResult = { folder, digest: String(document['digest']), status: status === 'committed' || status === 'failed' ? status : 'accepted' };
  if (typeof document['commit'] === 'string') result.commit = document['commit'];
  if (typeof document['reason'] === 'string') result.reason = document['reason'];
  return result;
}

async function waitForCommits(reports: EdgeReportResult[], options: EdgePushOptions): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  for (const [i, report] of reports.entries()) {
    let current = report;
    while (current.status === 'accepted' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
      const answer = await options.fetch(`${options.edge}/v1/reports/${current.digest}`, { method: 'GET', headers: {} });
      if (answer.ok) current = recordOf(report.folder, (await answer.json()) as Record<string, unknown>);
    }
    reports[i] = current;
    if (current.status === 'failed') throw new StellaError('VERIFY_FAILED', `edge ${options.edge} could not commit ${report.folder}: ${current.reason ?? 'no reason given'}`);
  }
}
