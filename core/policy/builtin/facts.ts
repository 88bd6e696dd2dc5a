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

/** What the reader needs to know and compute. */
export interface FactOptions {
  now: Date;
  baseLayers: number | undefined;
  ecosystem: boolean;
  layer: boolean;
}

/** A reader of facts for the findings of `report`. */
export function factReader(report: Report, options: FactOptions): (finding: Finding) => Facts {
  const layers = options.layer && options.baseLayers !== undefined ? layerIndexByPurl(report) : new Map<string, number>();
  const base = options.baseLayers ?? 0;
  return (finding) => {
    const index = layers.get(finding.purl);
    return {
      level: finding.severity.level,
      cvss: highestScore(finding),
      kev: finding.kev !== undefined,
      epssScore: finding.epss?.score,
      epssPercentile: finding.epss?.percentile,
      fixAvailable: finding.fixed !== undefined,
      publishedDays: finding.published === undefined ? undefined : daysSince(finding.published, options.now),
      ecosystem: options.ecosystem ? ecosystemOf(finding.purl) : undefined,
      package: finding.name,
      purl: finding.purl,
      purlPackage: purlPackage(finding.purl),
      status: finding.status ?? 'affected',
      layer: index === undefined ? undefined : index < base ? 'base' : 'application',
    };
  };
}

function highestScore(finding: Finding): number | undefined {
  let best: number | undefined;
  for (const entry of finding.severity.cvss) if (entry.score !== undefined && (best === undefined || entry.score > best)) best = entry.score;
  return best;
}

function ecosystemOf(purl: string): string | undefined {
  try {
    return osvEcosystemFor(purl)?.ecosystem;
  } catch {
    // A purl we cannot parse has no ecosystem: an ecosystem condition does not hold for it.
    return undefined;
  }
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
