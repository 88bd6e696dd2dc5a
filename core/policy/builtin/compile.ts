/**
 * Turns a rule's conditions into one predicate over a finding's facts, and
 * a sentence saying what the rule matched (used in the explain trace when
 * the rule has no description of its own).
 *
 * @example
 *   const test = compileConditions(rule.when);
 *   test(facts); // true when every condition holds
 */
import type { Glob } from '../glob.js';
import { purlMatches } from '../purl-match.js';
import type { Conditions, Range } from './document.js';
import type { Facts } from './facts.js';

type Check = (facts: Facts) => boolean;

/** One predicate: every condition given holds (no conditions: always true). */
export function compileConditions(when: Conditions): Check {
  const checks: Check[] = [];
  const { severity, cvss, kev, epssScore, epssPercentile, fixAvailable, publishedDays, ecosystem, status, layer } = when;
  if (severity !== undefined) checks.push((f) => severity.has(f.level));
  if (cvss !== undefined) checks.push((f) => inRange(f.cvss, cvss));
  if (kev !== undefined) checks.push((f) => f.kev === kev);
  if (epssScore !== undefined) checks.push((f) => inRange(f.epssScore, epssScore));
  if (epssPercentile !== undefined) checks.push((f) => inRange(f.epssPercentile, epssPercentile));
  if (fixAvailable !== undefined) checks.push((f) => f.fixAvailable === fixAvailable);
  if (publishedDays !== undefined) checks.push((f) => inRange(f.publishedDays, publishedDays));
  if (ecosystem !== undefined) checks.push((f) => f.ecosystem !== undefined && anyGlob(ecosystem, f.ecosystem));
  const pkg = when.package;
  if (pkg !== undefined) checks.push((f) => anyGlob(pkg, f.package));
  const purl = when.purl;
  if (purl !== undefined) checks.push((f) => purl.some((glob) => purlMatches(glob, f.purl, f.purlPackage)));
  if (status !== undefined) checks.push((f) => status.has(f.status));
  if (layer !== undefined) checks.push((f) => f.layer === layer);
  if (checks.length === 0) return () => true;
  return (facts) => {
    for (const check of checks) if (!check(facts)) return false;
    return true;
  };
}

/**
 * The conditions in words, for a trace.
 * @example describeConditions({ kev: true, fixAvailable: true }); // 'KEV-listed, fix available'
 */
export function describeConditions(when: Conditions): string {
  const parts: string[] = [];
  if (when.severity !== undefined) parts.push(`severity ${[...when.severity].join('/')}`);
  if (when.cvss !== undefined) parts.push(`CVSS ${rangeText(when.cvss)}`);
  if (when.kev !== undefined) parts.push(when.kev ? 'KEV-listed' : 'not KEV-listed');
  if (when.epssScore !== undefined) parts.push(`EPSS score ${rangeText(when.epssScore)}`);
  if (when.epssPercentile !== undefined) parts.push(`EPSS percentile ${rangeText(when.epssPercentile)}`);
  if (when.fixAvailable !== undefined) parts.push(when.fixAvailable ? 'fix available' : 'no fix available');
  if (when.publishedDays !== undefined) parts.push(`published ${rangeText(when.publishedDays)} days ago`);
  if (when.ecosystem !== undefined) parts.push(`ecosystem ${globsText(when.ecosystem)}`);
  if (when.package !== undefined) parts.push(`package ${globsText(when.package)}`);
  if (when.purl !== undefined) parts.push(`purl ${globsText(when.purl)}`);
  if (when.status !== undefined) parts.push(`VEX status ${[...when.status].join('/')}`);
  if (when.layer !== undefined) parts.push(`in the ${when.layer === 'base' ? 'base image' : 'application'} layers`);
  return parts.length === 0 ? 'every finding' : parts.join(', ');
}

function inRange(value: number | undefined, range: Range): boolean {
  if (value === undefined) return false;
  return (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
}

function anyGlob(globs: readonly Glob[], value: string): boolean {
  for (const glob of globs) if (glob.test(value)) return true;
  return false;
}

function rangeText(range: Range): string {
  if (range.min !== undefined && range.max !== undefined) return `${range.min}–${range.max}`;
  return range.min !== undefined ? `≥ ${range.min}` : `≤ ${range.max ?? ''}`;
}

function globsText(globs: readonly Glob[]): string {
  return globs.map((g) => g.pattern).join(' or ');
}
