/**
 * Everything checked about a submission before it is stored: the report's
 * structure, then the folder it would become — bundle signature by a key
 * the trust root on main enrolls for this node, the statement's node and
 * target, and every file's SHA-256 against the statement's subjects — with
 * the same folder check `stella verify` runs on the repository
 * (`core/verify/report-folder.ts`), so the edge admits nothing verify
 * would later reject.
 *
 * @example
 *   const report = await verifySubmission(root, 'edge-1', submission);
 *   report.folder // 'findings/edge-1/app'
 */
import { parseUntrustedJson } from '../../core/json/untrusted.js';
import type { ReportClaim } from '../../core/report/claim.js';
import { BUNDLE_FILE, REPORT_FILE, reportFolder } from '../../core/report/layout.js';
import { sha256Hex } from '../../core/sign/encoding.js';
import { trustedKeyLookup } from '../../core/trust/lookup.js';
import type { SignatureMemo } from '../../core/sign/signature-memo.js';
import type { TrustRoot } from '../../core/trust/root.js';
import { checkReportFolder } from '../../core/verify/report-folder.js';
import { ProblemError } from '../problem.js';
import type { Submission } from './body.js';
import { reportShapeProblems } from './report-shape.js';

/** A submission that passed every check: what the node's Durable Object commits. */
export interface VerifiedReport {
  /** SHA-256 of report.json: the idempotency key. */
  digest: string;
  node: string;
  /** `findings/<node>/<target>`. */
  folder: string;
  /** File name in the folder → bytes, the bundle included. */
  files: Map<string, Uint8Array>;
  claim: ReportClaim;
}

/**
 * Checks `submission` as a report of `node` against `root` (main's verified trust root).
 * Throws a ProblemError: 422 for a report that is malformed or does not match its
 * statement, 403 for one signed by a key not enrolled for `node`. A signature that
 * verifies is remembered in `memo`, so admission checks the commit carrying it for free.
 * `reportDigest` is report.json's SHA-256 when the caller already has it (the Durable Object
 * keys replays by it), so the report is not hashed once more.
 * @example await verifySubmission(root, 'edge-1', parseSubmission(bytes))
 */
export async function verifySubmission(root: TrustRoot, node: string, submission: Submission, memo?: SignatureMemo, reportDigest?: string): Promise<VerifiedReport> {
  const reportBytes = submission.files.get(REPORT_FILE) as Uint8Array;
  const report = parseReportValue(reportBytes);
  const shape = reportShapeProblems(report);
  if (shape.length > 0) throw new ProblemError(422, 'report-invalid', 'Report does not match the report schema', shape.join('; '), { problems: shape });
  const target = (report as { target: { name: string } }).target.name;
  const folder = reportFolder(node, target);
  const blobs = new Map(submission.files);
  blobs.set(BUNDLE_FILE, new TextEncoder().encode(submission.bundleText));
  let untrustedKey: string | undefined;
  const { problems, claim } = await checkReportFolder(folder, { blobs, folders: [] }, {
    publicKeys: trustedKeyLookup(root, 'reports', node),
    untrusted: (keyid) => {
      untrustedKey = keyid;
      return `signed by key ${keyid}, which trust/root.json on main does not enroll for node ${node}`;
    },
    memo,
  });
  if (untrustedKey !== undefined) {
    throw new ProblemError(403, 'key-not-enrolled', 'Report signed by a key not enrolled for this node', `the bundle is signed by key ${untrustedKey}; trust/root.json on main enrolls other keys for node ${node}`);
  }
  if (problems.length > 0 || claim === undefined) {
    const lines = problems.map((p) => `${p.file}: ${p.reason}`);
    throw new ProblemError(422, 'report-rejected', 'Report does not verify', lines.join('; ') || 'the signed statement carries no claim', { problems: lines });
  }
  if (claim.kind !== 'report') throw new ProblemError(422, 'report-rejected', 'Not a report', 'the statement is a retirement; this endpoint takes scan reports');
  return { digest: reportDigest ?? (await sha256Hex(reportBytes)), node, folder, files: blobs, claim };
}

function parseReportValue(bytes: Uint8Array): unknown {
  try {
    return parseUntrustedJson(REPORT_FILE, new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch (error) {
    throw new ProblemError(422, 'report-invalid', 'Report is not JSON', `"report" must hold the text of report.json: ${(error as Error).message}`);
  }
}
