/**
 * One report folder (`findings/<node>/<target>/`) against one trust root:
 *
 * - a report: `report.sigstore.json` signed by a key enrolled for `<node>`,
 *   whose statement names every other file of the folder by SHA-256 — the
 *   report, the SBOM and `summary.md` — and nothing the folder lacks;
 * - a retirement: `retired.sigstore.json` alone in the folder;
 * - either way the statement's node is `<node>`, its target's slug is
 *   `<target>` (a report moved to another folder fails), and it carries a
 *   sequence number and a signing time (`core/report/claim.ts`).
 *
 * Pure over the folder's bytes, so the verifier and `scan --commit` (which
 * keeps an unchanged report's signature only if it still verifies) share it.
 *
 * @example
 *   const { problems, claim } = await checkReportFolder('findings/edge-1/app', files, { publicKeys, untrusted });
 */
import { parseUntrustedJson } from '../json/untrusted.js';
import { describeError } from '../errors.js';
import { claimOf, type ReportClaim } from '../report/claim.js';
import { BUNDLE_FILE, REPORT_FILE, RETIREMENT_FILE, targetSlug } from '../report/layout.js';
import { parseReport } from '../report/serialize.js';
import { verifyBundle } from '../sign/bundle.js';
import { sha256Hex } from '../sign/encoding.js';
import type { InTotoStatement } from '../sign/intoto.js';
import type { SignatureMemo } from '../sign/signature-memo.js';

/** A problem with one file of the folder (`file` is relative to the folder). */
export interface FolderProblem {
  file: string;
  reason: string;
}

/** What a report folder holds: its files' bytes and the names of any subfolders. */
export interface FolderFiles {
  blobs: ReadonlyMap<string, Uint8Array>;
  folders: readonly string[];
}

/** The keys that may sign for the folder's node, and how to explain a key that may not. */
export interface FolderKeys {
  publicKeys: (hint: string) => string | undefined;
  /** The reason given when the bundle's key is not among `publicKeys`. */
  untrusted: (keyid: string) => string;
  /** Signature checks already passed under the same key (`core/sign/signature-memo.ts`): as strict, cheaper. */
  memo?: SignatureMemo | undefined;
}

/**
 * Checks the folder; returns every problem found and, when the signature
 * verified, the statement's claim.
 * @example (await checkReportFolder(folder, files, keys)).problems // [] when it verifies
 */
export async function checkReportFolder(folder: string, files: FolderFiles, keys: FolderKeys): Promise<{ problems: FolderProblem[]; claim: ReportClaim | undefined }> {
  const problems: FolderProblem[] = [];
  const fail = (file: string, reason: string): void => {
    problems.push({ file, reason });
  };
  for (const sub of files.folders) fail(sub, 'a folder inside a report folder, which holds only the files its signed statement names');
  const retired = files.blobs.has(RETIREMENT_FILE);
  const bundleFile = retired ? RETIREMENT_FILE : BUNDLE_FILE;
  const bundle = files.blobs.get(bundleFile);
  if (bundle === undefined) {
    fail(BUNDLE_FILE, files.blobs.has(REPORT_FILE) ? 'missing: the report is unsigned' : `missing: a report folder holds ${BUNDLE_FILE} (or a signed ${RETIREMENT_FILE})`);
    return { problems, claim: undefined };
  }
  // Signature problems name the report itself, as a reader looks for it there.
  const signatureFile = retired ? RETIREMENT_FILE : REPORT_FILE;
  let statement: InTotoStatement;
  let untrusted: string | undefined;
  try {
    statement = await verifyBundle(parseUntrustedJson(`${folder}/${BUNDLE_FILE}`, new TextDecoder().decode(bundle)), {
      publicKeys: (hint) => {
        const pem = keys.publicKeys(hint);
        if (pem === undefined) untrusted = hint;
        return pem;
      },
      memo: keys.memo,
    });
  } catch (error) {
    fail(signatureFile, untrusted === undefined ? describeError(error) : keys.untrusted(untrusted));
    return { problems, claim: undefined };
  }
  let claim: ReportClaim;
  try {
    claim = claimOf(statement);
  } catch (error) {
    fail(bundleFile, describeError(error));
    return { problems, claim: undefined };
  }
  checkPlace(folder, bundleFile, claim, retired, fail);
  if (retired) {
    for (const name of files.blobs.keys()) if (name !== RETIREMENT_FILE) fail(name, `a retired target's folder holds only ${RETIREMENT_FILE}`);
  } else {
    await checkSubjects(statement, files, fail);
    const report = files.blobs.get(REPORT_FILE);
    if (report !== undefined) {
      try {
        parseReport(new TextDecoder().decode(report), `${folder}/${REPORT_FILE}`);
      } catch (error) {
        fail(REPORT_FILE, describeError(error));
      }
    }
  }
  return { problems, claim };
}

/** The statement must be about this folder: its node, its target, its kind. */
function checkPlace(folder: string, bundleFile: string, claim: ReportClaim, retired: boolean, fail: (file: string, reason: string) => void): void {
  const [, node, slug] = folder.split('/') as [string, string, string];
  if (retired !== (claim.kind === 'retirement')) fail(bundleFile, `holds a signed ${claim.kind} statement, which belongs in ${claim.kind === 'report' ? BUNDLE_FILE : RETIREMENT_FILE}`);
  if (claim.node !== node) fail(bundleFile, `signed for node '${claim.node}' but stored under findings/${node}`);
  if (targetSlug(claim.target) !== slug) {
    fail(bundleFile, `signed for target '${claim.target}' (folder ${targetSlug(claim.target)}) but stored in ${folder}: a report stays in its target's folder`);
  }
}

/** Every file but the bundle is a subject with its SHA-256, and every subject is a file. */
async function checkSubjects(statement: InTotoStatement, files: FolderFiles, fail: (file: string, reason: string) => void): Promise<void> {
  const subjects = new Map<string, string | undefined>();
  for (const subject of statement.subject) {
    if (subjects.has(subject.name)) fail(BUNDLE_FILE, `the signed statement names ${subject.name} twice`);
    subjects.set(subject.name, subject.digest['sha256']);
  }
  for (const [name, bytes] of [...files.blobs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (name === BUNDLE_FILE) continue;
    if (!subjects.has(name)) {
      fail(name, 'not named by the signed statement (a report folder holds exactly the files its statement names)');
      continue;
    }
    const digest = await sha256Hex(bytes);
    if (subjects.get(name) !== digest) fail(name, `SHA-256 ${digest.slice(0, 12)}… differs from the signed statement`);
  }
  for (const name of [...subjects.keys()].sort()) if (!files.blobs.has(name)) fail(name, 'named by the signed statement but missing');
}
