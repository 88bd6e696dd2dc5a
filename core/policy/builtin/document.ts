/**
 * The built-in policy as a program reads it, once parsed and checked
 * (parse.ts): rules in order, each a verdict and conditions that must all
 * hold. The YAML layout and its meaning are documented in parse.ts and
 * schemas/policy.schema.json.
 */
import type { Verdict } from '../../model/policy.js';
import type { SeverityLevel } from '../../model/severity.js';
import type { VexStatus } from '../../model/vex.js';
import type { Glob } from '../glob.js';

/** An inclusive range; either end may be open. */
export interface Range {
  min?: number;
  max?: number;
}

/** Where a component sits in an image: the base image's layers, or those built on top. */
export type LayerClass = 'base' | 'application';

/** A rule's conditions: every one given must hold; each list matches when any entry does. */
export interface Conditions {
  severity?: ReadonlySet<SeverityLevel>;
  cvss?: Range;
  kev?: boolean;
  epssScore?: Range;
  epssPercentile?: Range;
  fixAvailable?: boolean;
  publishedDays?: Range;
  ecosystem?: Glob[];
  package?: Glob[];
  purl?: Glob[];
  status?: ReadonlySet<VexStatus>;
  layer?: LayerClass;
}

/** One rule. */
export interface Rule {
  id: string;
  verdict: Verdict;
  description?: string;
  when: Conditions;
}

/** A checked policy. */
export interface PolicyDocument {
  name?: string;
  description?: string;
  /** The verdict of a finding no rule matches. */
  defaultVerdict: Verdict;
  /** Layers with an index below this are the base image; undefined when the policy has no layer rules. */
  baseLayers?: number;
  rules: Rule[];
}
