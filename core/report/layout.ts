/**
 * Where a node's report lives in the state repository:
 *
 *   findings/<node>/<target>/report.json          the report (canonical, line per finding)
 *   findings/<node>/<target>/sbom.cdx.json        CycloneDX 1.6 SBOM
 *   findings/<node>/<target>/report.sigstore.json Sigstore bundle: DSSE in-toto statement over both
 *   findings/<node>/<target>/summary.md           what changed since the previous report, for reviewers
 *   findings/<node>/<target>/retired.sigstore.json a signed retirement, alone in the folder, in place of a report
 *
 * The signed statement names every other file of the folder (report, SBOM,
 * summary) by SHA-256, so a folder holds exactly those files and nothing else.
 *
 * `<target>` is the target's name made safe for a path, so the next scan of
 * the same image replaces its previous report and the diff shows what changed.
 *
 * @example reportFolder('edge-1', 'corpus/debian-node:latest') // 'findings/edge-1/corpus-debian-node-latest'
 */
export const REPORT_FILE = 'report.json';
export const SBOM_FILE = 'sbom.cdx.json';
export const BUNDLE_FILE = 'report.sigstore.json';
/** Markdown for reviewers: findings new / fixed / changed since the previous report (a subject of the statement, so it cannot be rewritten). */
export const SUMMARY_FILE = 'summary.md';
/** A signed retirement (`stella report retire`): the only file of a retired target's folder. */
export const RETIREMENT_FILE = 'retired.sigstore.json';
export const FINDINGS_DIR = 'findings';
/** in-toto predicate type of a Stella scan report statement. */
export const SCAN_PREDICATE_TYPE = 'https://stella-mesh.dev/attestation/scan-report/v1';
/** in-toto predicate type of a retirement: the target's report is withdrawn on purpose. */
export const RETIREMENT_PREDICATE_TYPE = 'https://stella-mesh.dev/attestation/retirement/v1';

export function targetSlug(name: string): string {
  const slug = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/\.\.+/g, '.')
    .slice(0, 100);
  return slug === '' ? 'target' : slug;
}

export function reportFolder(node: string, targetName: string): string {
  return `${FINDINGS_DIR}/${node}/${targetSlug(targetName)}`;
}

export function agentBranch(node: string): string {
  return `agents/${node}`;
}
