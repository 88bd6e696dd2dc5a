/**
 * Records a signed report in the state repository: the report, its SBOM,
 * the reviewers' summary, and a Sigstore bundle whose in-toto statement
 * names all three by SHA-256 and carries the node, the target, the
 * target's next sequence number and the signing time — one commit on the
 * node's own branch (`agents/<node>`), started from `main`. The commit is
 * the last step, so a failure leaves the repository as it was.
 *
 * An unchanged report keeps its existing signature (re-signing would only
 * churn history) — but only if the stored folder still verifies; otherwise
 * it is signed again with the next sequence.
 *
 * @example
 *   const { commit, folder } = await commitReport(repo, outcome, { node: 'edge-1', key });
 */
import { freshnessFields } from '../../core/report/claim.js';
import { sha256Hex } from '../../core/sign/encoding.js';
import { buildStatement } from '../../core/sign/intoto.js';
import { bundleToJson, createBundle } from '../../core/sign/bundle.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { agentBranch, BUNDLE_FILE, REPORT_FILE, reportFolder, SBOM_FILE, SCAN_PREDICATE_TYPE, SUMMARY_FILE } from '../../core/report/layout.js';
import { diffReports, renderReviewMarkdown } from '../../core/report/review.js';
import type { Report } from '../../core/model/report.js';
import { parseReport, serializeReport } from '../../core/report/serialize.js';
import { AGENT_IDENTITY, MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { folderVerifies, leftovers, nextSequence } from './report-state.js';
import type { ScanOutcome } from './scan.js';

/** How one report is committed: who signs it, and what else the commit carries. */
export interface CommitReportOptions {
  node: string;
  key: SigningKey;
  now?: Date;
  /**
   * Git trailers appended to the commit message (`Key: value` lines), e.g.
   * the agent's scan id, so a job can be found on the branch after a crash.
   */
  trailers?: Readonly<Record<string, string>>;
  /** Passed to the store: runs after the commit's objects are written, before the branch moves. */
  beforeRefUpdate?: (oid: string) => void | Promise<void>;
}

export interface CommittedReport {
  commit: string;
  branch: string;
  folder: string;
  /** False when the report was byte-identical to the one already there. */
  changed: boolean;
  /** The target's report before this one (what notifications compare against), when there was one. */
  previous?: Report;
}

/**
 * Signs and commits one report (see the module comment).
 * @example await commitReport(repo, outcome, { node: 'edge-1', key, now: new Date() })
 */
export async function commitReport(repo: StateRepo, outcome: ScanOutcome, options: CommitReportOptions): Promise<CommittedReport> {
  const encoder = new TextEncoder();
  const reportBytes = encoder.encode(serializeReport(outcome.report));
  const sbomBytes = encoder.encode(`${JSON.stringify(await outcome.sbom(), null, 2)}\n`);
  const { report } = outcome;
  const folder = reportFolder(options.node, report.target.name);
  const branch = agentBranch(options.node);
  const tip = (await repo.store.branchTip(branch)) ?? (await repo.store.branchTip(MAIN_BRANCH));
  const previous = tip === undefined ? undefined : await repo.store.readFile(tip, `${folder}/${REPORT_FILE}`);
  if (tip !== undefined && previous !== undefined) {
    const previousSbom = await repo.store.readFile(tip, `${folder}/${SBOM_FILE}`);
    if (previousSbom !== undefined && equal(previous, reportBytes) && equal(previousSbom, sbomBytes) && (await folderVerifies(repo.store, tip, folder))) {
      return { commit: tip, branch, folder, changed: false };
    }
  }
  // Beside the report, for reviewers: what changed since the previous report of this target.
  const previousReport = previous === undefined ? undefined : parseReport(new TextDecoder().decode(previous), `${folder}/${REPORT_FILE}`);
  const summaryBytes = encoder.encode(renderReviewMarkdown([{ folder, diff: diffReports(previousReport, report), current: report }], `Scan of ${report.target.name} on ${options.node}`));
  const statement = buildStatement({
    subjects: [
      { name: REPORT_FILE, sha256: await sha256Hex(reportBytes) },
      { name: SBOM_FILE, sha256: await sha256Hex(sbomBytes) },
      { name: SUMMARY_FILE, sha256: await sha256Hex(summaryBytes) },
    ],
    predicateType: SCAN_PREDICATE_TYPE,
    predicate: {
      ...freshnessFields({ node: options.node, sequence: await nextSequence(repo.store, [branch, MAIN_BRANCH], folder), now: options.now ?? new Date() }),
      target: { name: report.target.name, digest: report.target.digest, kind: report.target.kind },
      feed: report.inputs.feed,
      tool: report.tool,
      summary: { components: report.summary.components, findings: report.summary.findings, severities: report.summary.severities },
    },
  });
  const bundle = await createBundle(statement, options.key);
  const files = new Map<string, Uint8Array>([
    [REPORT_FILE, reportBytes],
    [SBOM_FILE, sbomBytes],
    [BUNDLE_FILE, encoder.encode(`${bundleToJson(bundle)}\n`)],
    [SUMMARY_FILE, summaryBytes],
  ]);
  // The folder holds exactly what the statement names: a retirement or a stray file goes.
  const changes = new Map<string, Uint8Array | null>((await leftovers(repo.store, tip, folder, [...files.keys()])).map((path) => [path, null]));
  for (const [name, bytes] of files) changes.set(`${folder}/${name}`, bytes);
  const severities = Object.entries(report.summary.severities)
    .filter(([, count]) => count > 0)
    .map(([level, count]) => `${count} ${level.toLowerCase()}`)
    .join(', ');
  const result = await repo.store.commit({
    branch,
    startFrom: MAIN_BRANCH,
    changes,
    message:
      `scan ${report.target.name}: ${report.summary.findings} findings${severities === '' ? '' : ` (${severities})`}\n\n` +
      `Target ${report.target.digest}, ${report.summary.components} components.\n` +
      `Feed ${report.inputs.feed?.commit ?? 'none'}; stella ${report.tool.version}; node ${options.node}.\n` +
      trailerBlock(options.trailers),
    author: { name: AGENT_IDENTITY.name, email: `agent@${options.node}` },
    ...(options.beforeRefUpdate === undefined ? {} : { beforeRefUpdate: options.beforeRefUpdate }),
  });
  return { commit: result.oid, branch, folder, changed: result.committed, ...(previousReport === undefined ? {} : { previous: previousReport }) };
}

/** Git's trailer paragraph: a blank line, then `Key: value` lines (empty when there are none). */
function trailerBlock(trailers: Readonly<Record<string, string>> | undefined): string {
  const lines = Object.entries(trailers ?? {}).map(([key, value]) => `${key}: ${value}\n`);
  return lines.length === 0 ? '' : `\n${lines.join('')}`;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
