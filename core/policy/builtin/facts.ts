/**
 * What a rule can ask about one finding, read once per finding: its
 * severity, highest CVSS base score, KEV and EPSS, fix, age, ecosystem,
 * package, purl, VEX status (`affected` when no statement set one) and the
 * image layer of its component. Facts a policy never asks about (the
 * ecosystem needs a purl parse, the layer a component lookup) are skipped.
 *
 * @example
 *   const facts = factReader(report, { now, baseLayers: 1, ecosystem: true, layer: true });
 *   facts(report.findings[0]).layer; // 'application'
 */
import type { Finding, Report } from '../../model/report.js';
import type { SeverityLevel } from '../../model/severity.js';
import type { VexStatus } from '../../model/vex.js';
import { osvEcosystemFor } from '../../purl/index.js';
import { daysSince } from '../dates.js';
import { purlPackage } from '../purl-match.js';
import type { LayerClass } from './document.js';

/** One finding as rules see it. */
export interface Facts {
  level: SeverityLevel;
  cvss: number | undefined;
  kev: boolean;
  epssScore: number | undefined;
  epssPercentile: number | undefined;
  fixAvailable: boolean;
  publishedDays: number | undefined;
  ecosystem: string | undefined;
  package: string;
  purl: string;
  purlPackage: string;
  status: VexStatus;
  layer: LayerClass | undefined;
}

/** What the reader needs to know, and which costly facts the policy asks about at all. */
export interface FactOptions {
  now: Date;
  baseLayers: number | undefined;
  ecosystem: boolean;
  layer: boolean;
  /** Days since published and the purl's package part: skipped when no rule asks. */
  publishedDays?: boolean;
  purl?: boolean;
}

/**
 * A reader of facts for the findings of `report`. It fills and returns the
 * same object for every finding (a rule reads it before the next call), so
 * evaluating a thousand findings allocates nothing per finding.
 */
export function factReader(report: Report, options: FactOptions): (finding: Finding) => Facts {
  const layers = options.layer && options.baseLayers !== undefined ? layerIndexByPurl(report) : new Map<string, number>();
  const base = options.baseLayers ?? 0;
  const nowMs = options.now.getTime();
  const facts: Facts = {
    level: 'UNKNOWN', cvss: undefined, kev: false, epssScore: undefined, epssPercentile: undefined, fixAvailable: false,
    publishedDays: undefined, ecosystem: undefined, package: '', purl: '', purlPackage: '', status: 'affected', layer: undefined,
  };
  return (finding) => {
    facts.level = finding.severity.level;
    facts.cvss = highestScore(finding);
    facts.kev = finding.kev !== undefined;
    facts.epssScore = finding.epss?.score;
    facts.epssPercentile = finding.epss?.percentile;
    facts.fixAvailable = finding.fixed !== undefined;
    facts.publishedDays = options.publishedDays === false || finding.published === undefined ? undefined : daysSince(finding.published, options.now, nowMs);
    facts.ecosystem = options.ecosystem ? ecosystemOf(finding.purl) : undefined;
    facts.package = finding.name;
    facts.purl = finding.purl;
    facts.purlPackage = options.purl === false ? '' : purlPackage(finding.purl);
    facts.status = finding.status ?? 'affected';
    const index = options.layer ? layers.get(finding.purl) : undefined;
    facts.layer = index === undefined ? undefined : index < base ? 'base' : 'application';
    return facts;
  };
}

function highestScore(finding: Finding): number | undefined {
  let best: number | undefined;
  for (const entry of finding.severity.cvss) if (entry.score !== undefined && (best === undefined || entry.score > best)) best = entry.score;
  return best;
}

/**
 * Parsing a purl costs more than every rule together, and the same purls
 * come back in every report of a target (and in every report a simulation
 * reads): remember the answers, up to a bound that only caps memory.
 */
const ecosystems = new Map<string, string | undefined>();
const MAX_REMEMBERED = 50_000;

function ecosystemOf(purl: string): string | undefined {
  if (ecosystems.has(purl)) return ecosystems.get(purl);
  let ecosystem: string | undefined;
  try {
    ecosystem = osvEcosystemFor(purl)?.ecosystem;
  } catch {
    // A purl we cannot parse has no ecosystem: an ecosystem condition does not hold for it.
    ecosystem = undefined;
  }
  if (ecosystems.size >= MAX_REMEMBERED) ecosystems.clear();
  ecosystems.set(purl, ecosystem);
  return ecosystem;
}

/** purl → index of the lowest layer holding a component with that purl (the layer that introduced it). */
function layerIndexByPurl(report: Report): Map<string, number> {
  const byDiffId = new Map((report.target.layers ?? []).map((layer) => [layer.diffId, layer.index]));
  const out = new Map<string, number>();
  for (const component of report.components) {
    const index = component.layer === undefined ? undefined : byDiffId.get(component.layer);
    if (index === undefined) continue;
    const known = out.get(component.purl);
    if (known === undefined || index < known) out.set(component.purl, index);
  }
  return out;
}
