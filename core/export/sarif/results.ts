/**
 * SARIF results: one per finding, pointing at the files inside the target
 * that recorded the package — the lockfile or package database first, so
 * GitHub annotates the file a person edits — with the image layer that
 * brought it in as a property. `partialFingerprints` hash what identifies
 * the finding across scans (advisory, package without version, file), so
 * an upgrade that leaves the package vulnerable updates the same alert.
 *
 * @example
 *   buildResults(report, rules)[0].locations[0].physicalLocation.artifactLocation.uri; // 'app/package-lock.json'
 */
import type { Finding, Report, ReportComponent } from '../../model/report.js';
import { sha256 } from '../../sbom/sha256.js';
import { hexEncode } from '../../sign/encoding.js';
import { advisoryIds } from '../common/advisory.js';
import { compareText, indexComponents, rankLocations } from '../common/components.js';
import { assessmentOf } from '../common/vex-status.js';
import { sarifLevel, type SarifLevel, type SarifRule } from './rules.js';

/** The fingerprint key we write; bump the version if what it hashes changes. */
export const FINGERPRINT_KEY = 'stellaFinding/v1';

/** One SARIF `location`. */
export interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
  properties?: { layer: string; layerIndex?: number };
}

/** The SARIF `result` we write. */
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: 'external'; status: 'accepted'; justification: string }[];
  properties: Record<string, string | number | boolean>;
}

/**
 * The results of a report, in rule order, then package, then file.
 *
 * @example buildResults(report, buildRules(report.findings)).length === report.findings.length; // true
 */
export function buildResults(report: Report, rules: readonly SarifRule[]): SarifResult[] {
  const ruleIndex = new Map(rules.map((rule, i) => [rule.id, i]));
  const components = indexComponents(report.components);
  const layers = new Map((report.target.layers ?? []).map((layer) => [layer.diffId, layer.index]));
  return [...report.findings]
    .sort((a, b) => compareText(a.id, b.id) || compareText(a.purl, b.purl))
    .map((finding) => {
      const locations = locationsOf(components.get(finding.purl) ?? [], layers, report.target.name);
      return result(finding, ruleIndex.get(finding.id) ?? 0, locations);
    });
}

function result(finding: Finding, ruleIndex: number, locations: SarifLocation[]): SarifResult {
  const vex = assessmentOf(finding);
  const primary = locations[0]?.physicalLocation.artifactLocation.uri ?? '';
  const ids = advisoryIds(finding);
  const fix = finding.fixed === undefined ? 'no fixed version is known' : `fixed in ${finding.fixed}`;
  const out: SarifResult = {
    ruleId: finding.id,
    ruleIndex,
    level: sarifLevel(finding.severity.level),
    message: { text: `${finding.name} ${finding.installed} is affected by ${ids.join(', ')} (${finding.severity.level}); ${fix}.` },
    locations,
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(finding, primary) },
    properties: {
      purl: finding.purl,
      installedVersion: finding.installed,
      severity: finding.severity.level,
      vexStatus: vex.status,
      ...(finding.fixed === undefined ? {} : { fixedVersion: finding.fixed }),
      ...(finding.kev === undefined ? {} : { knownExploited: true }),
      ...(finding.epss === undefined ? {} : { epss: finding.epss.score }),
    },
  };
  // A VEX statement that rules the finding out suppresses it, so code scanning closes the alert instead of losing it.
  if (vex.explicit && (vex.status === 'not_affected' || vex.status === 'fixed')) {
    out.suppressions = [{ kind: 'external', status: 'accepted', justification: vex.justification ?? vex.impactStatement ?? vex.status }];
  }
  return out;
}

/** A stable hash of the advisory, the package without its version, and the primary file. */
function fingerprint(finding: Finding, primary: string): string {
  const unversioned = finding.purl.replace(/@[^?#]*/, '');
  return hexEncode(sha256(new TextEncoder().encode([finding.id, unversioned, primary].join('\u0000'))));
}

/**
 * Every file that recorded one of the components, ranked (see
 * `rankLocations`), each with the layer of the first component found in
 * it. With no file known (a component read from an SBOM), the target
 * itself: code scanning needs a location for every result.
 */
function locationsOf(components: readonly ReportComponent[], layers: ReadonlyMap<string, number>, targetName: string): SarifLocation[] {
  const layerOf = new Map<string, string | undefined>();
  for (const component of components) for (const path of component.locations ?? []) if (!layerOf.has(path)) layerOf.set(path, component.layer);
  const paths = rankLocations(layerOf.keys());
  if (paths.length === 0) {
    const layer = components.find((c) => c.layer !== undefined)?.layer;
    return [location(targetName, layer, layers)];
  }
  return paths.map((path) => location(path, layerOf.get(path), layers));
}

function location(path: string, layer: string | undefined, layers: ReadonlyMap<string, number>): SarifLocation {
  const uri = path.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
  // Code scanning wants a region; a package entry has no line of its own, so the file's first line stands for it.
  const out: SarifLocation = { physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } } };
  if (layer !== undefined) {
    const index = layers.get(layer);
    out.properties = index === undefined ? { layer } : { layer, layerIndex: index };
  }
  return out;
}
