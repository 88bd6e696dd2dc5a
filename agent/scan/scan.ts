/**
 * One scan, start to finish: resolve the target to components (SBOM-first:
 * a given SBOM is the inventory; otherwise layers or files are read), match
 * them against the state repository's advisories, and assemble the report
 * and the CycloneDX SBOM. Nothing is written anywhere; committing is the
 * caller's choice (`commit-report.ts`).
 *
 * @example
 *   const { report, sbom } = await scanTarget('app.oci.tar', { repo });
 */
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { StellaError } from '../../core/errors.js';
import { builtinExtractors } from '../../core/extract/registry.js';
import { enrichFindings } from '../../core/match/enrich.js';
import { computeCoverage } from '../../core/match/coverage.js';
import { matchComponents } from '../../core/match/matcher.js';
import { SEVERITY_ORDER } from '../../core/match/severity.js';
import { REPORT_SCHEMA, type Finding, type Report, type ReportComponent, type ReportTarget } from '../../core/model/report.js';
import { parsePurl } from '../../core/purl/index.js';
import { buildCycloneDx } from '../../core/sbom/cyclonedx.js';
import { readSbom, SBOM_LIMITS } from '../../core/sbom/read.js';
import { sha256Hex } from '../../core/sign/encoding.js';
import { readTarget } from '../image/index.js';
import { AdvisoryIndex } from '../index/advisory-index.js';
import { toolVersion } from '../package-root.js';
import { MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import type { VexDocument } from '../../core/vex/statement.js';
import { decideWithVex, type VexSummary } from '../vex/decide.js';
import { decideReport } from '../../core/policy/decide.js';
import { policyForScan, type ScanPolicy } from '../policy/for-scan.js';
import { buildComponents } from './inventory.js';
import { looksLikeRegistryReference, registryReferenceError } from './registry-ref.js';

export interface ScanOptions {
  /** State repository whose feeds to match against; without one, no findings are computed. */
  repo?: StateRepo;
  /** Name for the target in the report, instead of the one found in the image or file name. */
  name?: string;
  /**
   * The policy to decide verdicts with (agent/policy/for-scan.ts), evaluated last, after VEX;
   * `none` for no verdicts. Default: the policy in force on the repository's main branch, so every
   * caller that commits reports (the CLI, a scheduled agent) decides them the same way.
   */
  policy?: ScanPolicy | 'none';
  onProgress?: (progress: { done: number; total?: number; what: string }) => void;
  /** VEX documents given on the command line (`--vex`), applied after the repository's `vex/`. */
  vex?: readonly VexDocument[];
}

export interface ScanOutcome {
  report: Report;
  /** CycloneDX 1.6 document of the components. */
  sbom: object;
  /** What VEX decided; undefined when there was no VEX at all (no repository, no `--vex`). */
  vex?: VexSummary;
}

export async function scanTarget(targetPath: string, options: ScanOptions = {}): Promise<ScanOutcome> {
  const resolved = await resolveInventory(targetPath, options);
  const warnings = [...resolved.warnings];
  let findings: Finding[] = [];
  let feed: Report['inputs']['feed'] = null;
  // Without a repository nothing is matched: every component is unchecked, and the report says so.
  let coverage = computeCoverage(resolved.components, new Map());
  if (options.repo !== undefined) {
    options.onProgress?.({ done: 0, what: 'matching advisories' });
    const matched = await matchAgainstRepo(options.repo, resolved.components);
    findings = matched.findings;
    feed = matched.feed;
    coverage = matched.coverage;
    warnings.push(...matched.warnings);
  }
  if (resolved.components.length === 0) warnings.push(`${resolved.target.name}: no components found, so nothing was checked`);
  const version = toolVersion();
  let report: Report = {
    schema: REPORT_SCHEMA,
    tool: { name: 'stella', version },
    target: resolved.target,
    inputs: { feed },
    summary: summarise(resolved.components, findings),
    coverage,
    components: resolved.components,
    findings,
    warnings,
  };
  const sbom = buildCycloneDx({ target: resolved.target, components: resolved.components, tool: { name: 'stella', version } });
  let vex: VexSummary | undefined;
  if (options.repo !== undefined || (options.vex ?? []).length > 0) {
    // VEX decides status before the report is signed, from the same commit the feeds were read at.
    const repoVex = options.repo === undefined || feed === null ? undefined : { store: options.repo.store, commit: feed.commit };
    const decided = await decideWithVex(report, repoVex, options.vex ?? []);
    report = decided.report;
    vex = decided.summary;
  }
  // The policy decides last: its rules read the VEX status.
  const policy = options.policy ?? (options.repo === undefined ? 'none' : ((await policyForScan({ repo: options.repo, now: new Date() })) ?? 'none'));
  if (policy !== 'none') {
    try {
      report = await decideReport({ ...report, warnings: [...report.warnings, ...policy.warnings] }, policy.engine, { now: policy.now, exceptions: policy.exceptions });
    } finally {
      // Loaded here, so closed here (an OPA pack's worker thread); a policy passed in is its caller's to close.
      if (options.policy === undefined) await policy.engine.close?.();
    }
  }
  return vex === undefined ? { report, sbom } : { report, sbom, vex };
}

interface ResolvedInventory {
  target: ReportTarget;
  components: ReportComponent[];
  warnings: string[];
}

async function resolveInventory(targetPath: string, options: ScanOptions): Promise<ResolvedInventory> {
  const info = await stat(targetPath).catch(() => {
    throw looksLikeRegistryReference(targetPath) ? registryReferenceError(targetPath) : new StellaError('NOT_FOUND', `${targetPath}: no such file or folder`);
  });
  if (info.isFile() && (await looksLikeJson(targetPath))) return readSbomTarget(targetPath, info.size, options);

  const inventory = await readTarget(targetPath, {
    extractors: builtinExtractors,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  const { components, warnings } = buildComponents(inventory.packages, inventory.os);
  const target: ReportTarget = { kind: inventory.kind, name: options.name ?? inventory.name, digest: inventory.digest };
  if (inventory.os !== undefined) target.os = inventory.os;
  if (inventory.layers.length > 0) {
    target.layers = inventory.layers.map((layer) => (layer.digest === undefined ? { index: layer.index, diffId: layer.diffId } : { index: layer.index, diffId: layer.diffId, digest: layer.digest }));
  }
  return { target, components, warnings: [...inventory.warnings, ...warnings] };
}

/** SBOM-first: the SBOM's components are the inventory; nothing is unpacked. */
async function readSbomTarget(path: string, size: number, options: ScanOptions): Promise<ResolvedInventory> {
  // Checked before reading, so a huge file is refused without loading it.
  if (size > SBOM_LIMITS.maxBytes) throw new StellaError('LIMIT_EXCEEDED', `${path}: ${size} bytes is over the ${SBOM_LIMITS.maxBytes}-byte SBOM limit`);
  const bytes = await readFile(path);
  const sbom = readSbom(basename(path), bytes);
  const warnings = [...sbom.warnings];
  const components: ReportComponent[] = [];
  for (const entry of sbom.components) {
    const purl = parsePurl(entry.purl);
    components.push({ purl: entry.purl, name: entry.name, version: entry.version, type: purl.type, locations: [basename(path)] });
  }
  const target: ReportTarget = {
    kind: sbom.format === 'cyclonedx' ? 'cyclonedx-sbom' : 'spdx-sbom',
    name: options.name ?? sbom.name ?? basename(path),
    digest: `sha256:${await sha256Hex(bytes)}`,
  };
  return { target, components, warnings };
}

interface RepoMatch {
  findings: Finding[];
  warnings: string[];
  coverage: Report['coverage'];
  feed: Report['inputs']['feed'];
}

async function matchAgainstRepo(repo: StateRepo, components: ReportComponent[]): Promise<RepoMatch> {
  const commit = await repo.store.branchTip(MAIN_BRANCH);
  if (commit === undefined) throw new StellaError('REPO_INVALID', `${repo.dir}: no ${MAIN_BRANCH} branch`);
  const feedsFolder = await repo.store.listFolder(commit, 'feeds');
  const feedTree = feedsFolder.find((entry) => entry.path === 'osv')?.oid;
  // The whole feeds/ tree: advisories, KEV and EPSS all shape the findings.
  const feedsTree = (await repo.store.listFolder(commit, '')).find((entry) => entry.path === 'feeds')?.oid;
  const warnings: string[] = [];
  if (feedTree === undefined) warnings.push('no advisories in the state repository yet: run `stella feed import` first');
  const index = await AdvisoryIndex.open(repo.cacheDir);
  try {
    await index.update(repo.store, commit);
    const matched = await matchComponents(components, index);
    const findings = await enrichFindings(matched.findings, index);
    return { findings, warnings: [...warnings, ...matched.warnings], coverage: matched.coverage, feed: { commit, tree: feedsTree ?? 'none' } };
  } finally {
    await index.close();
  }
}

function summarise(components: ReportComponent[], findings: Finding[]): Report['summary'] {
  const severities: Record<string, number> = {};
  for (const level of SEVERITY_ORDER) severities[level] = 0;
  for (const finding of findings) severities[finding.severity.level] = (severities[finding.severity.level] ?? 0) + 1;
  return { components: components.length, findings: findings.length, severities };
}

/** An SBOM is a JSON document; images, tars and folders never start with `{`. */
async function looksLikeJson(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    for (let i = 0; i < bytesRead; i++) {
      const byte = head[i] as number;
      if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
      return byte === 0x7b;
    }
    return false;
  } finally {
    await handle.close();
  }
}
