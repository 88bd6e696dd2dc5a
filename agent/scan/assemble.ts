/**
 * The report and SBOM of a scan, from the target's inventory and (when a
 * repository was given) its match. One function for a fresh scan and for a
 * re-match of a cached inventory, so both give the same bytes.
 *
 * @example
 *   const outcome = assembleOutcome(resolved, await matcher.match(resolved.components));
 */
import { createHash } from 'node:crypto';
import { SEVERITY_ORDER } from '../../core/match/severity.js';
import { REPORT_SCHEMA, type Finding, type Report, type ReportComponent, type ReportTarget } from '../../core/model/report.js';
import { osPackagesMissing } from '../../core/report/coverage-text.js';
import { toolVersion } from '../package-root.js';
import type { VexSummary } from '../vex/decide.js';
import type { RepoMatch } from './match-repo.js';
import { unmatchedCoverage } from './match-repo.js';

/** A target resolved to its components (by reading it, or from the cache). */
export interface ResolvedInventory {
  target: ReportTarget;
  components: ReportComponent[];
  warnings: string[];
}

/** The report and its CycloneDX SBOM. */
export interface ScanOutcome {
  report: Report;
  /**
   * The CycloneDX 1.6 document of the components, built (or read) on the first call. Only a commit
   * and the cache store it, so a scan that just prints its report never loads the CycloneDX library.
   */
  sbom: () => Promise<object>;
  /** What VEX decided (decide.ts); undefined when there was no VEX at all (no repository, no `--vex`). */
  vex?: VexSummary;
}

/**
 * Builds the outcome; `matched` undefined means no repository (nothing
 * checked, and the report says so). `recorded`: reads the SBOM built for
 * this same inventory before (it does not depend on the feeds); without it,
 * or when it finds none, one is built when asked for.
 */
export function assembleOutcome(resolved: ResolvedInventory, matched: RepoMatch | undefined, recorded?: () => Promise<object | undefined>): ScanOutcome {
  const warnings = [...resolved.warnings, ...(matched?.warnings ?? [])];
  const findings = matched?.findings ?? [];
  if (resolved.components.length === 0) warnings.push(`${resolved.target.name}: no components found, so nothing was checked`);
  else {
    const missing = osPackagesMissing(resolved);
    if (missing !== undefined) warnings.push(`${resolved.target.name}: ${missing}`);
  }
  const version = toolVersion();
  const report: Report = {
    schema: REPORT_SCHEMA,
    tool: { name: 'stella', version },
    target: resolved.target,
    inputs: { feed: matched?.feed ?? null },
    summary: summarise(resolved.components, findings),
    coverage: matched?.coverage ?? unmatchedCoverage(resolved.components),
    components: resolved.components,
    findings,
    warnings,
  };
  return { report, sbom: once(async () => (await recorded?.()) ?? buildSbom(resolved, version)) };
}

async function buildSbom(resolved: ResolvedInventory, version: string): Promise<object> {
  const { buildCycloneDx } = await import('../../core/sbom/cyclonedx.js');
  return buildCycloneDx({ target: resolved.target, components: resolved.components, tool: { name: 'stella', version }, sha256: nativeSha256 });
}

/** `make`, called once: later calls get the same promise. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/**
 * sha256 of the findings as reported: equal digests, equal findings.
 * @example findingsDigest(report.findings) // '9f86d0…'
 */
export function findingsDigest(findings: readonly Finding[]): string {
  return createHash('sha256').update(JSON.stringify(findings)).digest('hex');
}

function summarise(components: ReportComponent[], findings: Finding[]): Report['summary'] {
  const severities: Record<string, number> = {};
  for (const level of SEVERITY_ORDER) severities[level] = 0;
  for (const finding of findings) severities[finding.severity.level] = (severities[finding.severity.level] ?? 0) + 1;
  return { components: components.length, findings: findings.length, severities };
}

/** Node's SHA-256, for the SBOM's serial number (core's own runs cold in a one-shot scan). */
function nativeSha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}
