/**
 * SARIF rules: one `reportingDescriptor` per advisory id, carrying what
 * GitHub code scanning shows on an alert — a title (the advisory summary),
 * help text (summary, aliases, fixed versions, exploitation, references),
 * `security-severity` (a CVSS-like score GitHub bands into critical / high
 * / medium / low) and tags.
 *
 * @example
 *   buildRules(report.findings)[0].id; // 'CVE-2024-0001'
 */
import { compareSeverity } from '../../model/severity.js';
import type { Finding } from '../../model/report.js';
import type { SeverityLevel } from '../../model/severity.js';
import { advisoryIds, advisoryUrl, securityScore } from '../common/advisory.js';
import { compareText } from '../common/components.js';

/** SARIF's result levels; ours map onto them by severity. */
export type SarifLevel = 'error' | 'warning' | 'note';

/** The SARIF `reportingDescriptor` we write. */
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri: string;
  help: { text: string; markdown: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { 'security-severity'?: string; tags: string[]; precision: 'very-high' };
}

/**
 * CRITICAL and HIGH are errors, MEDIUM a warning, LOW and UNKNOWN notes.
 *
 * @example sarifLevel('HIGH'); // 'error'
 */
export function sarifLevel(level: SeverityLevel): SarifLevel {
  if (level === 'CRITICAL' || level === 'HIGH') return 'error';
  return level === 'MEDIUM' ? 'warning' : 'note';
}

/**
 * The rules for a set of findings, sorted by advisory id (results refer to
 * them by index). A rule's severity is its most severe finding's: the same
 * advisory can rate packages differently (a distro's per-package rating).
 *
 * @example buildRules(findings).map((r) => r.id); // ['CVE-2024-0001', 'GHSA-29mw-wpgm-hmr9']
 */
export function buildRules(findings: readonly Finding[]): SarifRule[] {
  const byId = new Map<string, Finding[]>();
  for (const finding of findings) byId.set(finding.id, [...(byId.get(finding.id) ?? []), finding]);
  return [...byId.keys()].sort(compareText).map((id) => rule(id, (byId.get(id) ?? []).sort(byPackage)));
}

function byPackage(a: Finding, b: Finding): number {
  return compareText(a.purl, b.purl);
}

function rule(id: string, findings: readonly Finding[]): SarifRule {
  const worst = findings.reduce((w, f) => (compareSeverity(f.severity.level, w.severity.level) > 0 ? f : w));
  const level = worst.severity.level;
  const summary = findings.find((f) => f.summary !== undefined && f.summary.trim() !== '')?.summary?.replace(/\s+/g, ' ').trim();
  const names = [...new Set(findings.map((f) => f.name))].sort(compareText);
  const title = summary ?? `${id} in ${names.join(', ')}`;
  const score = securityScore(worst);
  const tags = ['security', 'vulnerability', level.toLowerCase(), ...(findings.some((f) => f.kev !== undefined) ? ['known-exploited'] : [])];
  return {
    id,
    name: ruleName(id),
    shortDescription: { text: title },
    fullDescription: { text: summary === undefined ? title : `${summary} (${advisoryIds(worst).join(', ')})` },
    helpUri: advisoryUrl(id),
    help: { text: helpText(id, summary, findings), markdown: helpMarkdown(id, summary, findings) },
    defaultConfiguration: { level: sarifLevel(level) },
    properties: { ...(score === undefined ? {} : { 'security-severity': score.toFixed(1) }), tags, precision: 'very-high' },
  };
}

/** SARIF suggests an identifier-like name; advisory ids are close to one already. */
function ruleName(id: string): string {
  return `Vulnerability${id.replace(/[^A-Za-z0-9]+/g, '')}`;
}

interface HelpFacts {
  aliases: string[];
  packages: string[];
  exploited: string[];
  references: string[];
}

function helpFacts(id: string, findings: readonly Finding[]): HelpFacts {
  const aliases = [...new Set(findings.flatMap((f) => advisoryIds(f).slice(1)))].sort(compareText);
  const packages = findings.map((f) => `${f.name} ${f.installed}: ${f.fixed === undefined ? 'no fixed version known' : `fixed in ${f.fixed}`}`);
  const kev = findings.find((f) => f.kev !== undefined)?.kev;
  const epss = findings.reduce((best, f) => Math.max(best, f.epss?.score ?? -1), -1);
  const exploited = [
    ...(kev === undefined ? [] : [`listed in CISA KEV since ${kev.dateAdded}`]),
    ...(epss < 0 ? [] : [`EPSS ${(epss * 100).toFixed(2)}% chance of exploitation in 30 days`]),
  ];
  const references = [id, ...aliases].map(advisoryUrl);
  return { aliases, packages: [...new Set(packages)], exploited, references };
}

function helpText(id: string, summary: string | undefined, findings: readonly Finding[]): string {
  const facts = helpFacts(id, findings);
  return [
    `${id}${summary === undefined ? '' : `: ${summary}`}`,
    ...(facts.aliases.length === 0 ? [] : [`Aliases: ${facts.aliases.join(', ')}`]),
    ...facts.packages.map((p) => `Package ${p}`),
    ...facts.exploited.map((e) => `Exploitation: ${e}`),
    `References: ${facts.references.join(' ')}`,
  ].join('\n');
}

function helpMarkdown(id: string, summary: string | undefined, findings: readonly Finding[]): string {
  const facts = helpFacts(id, findings);
  const escape = (text: string): string => text.replace(/([\\`*_[\]<>|])/g, '\\$1');
  return [
    `**${escape(id)}**${summary === undefined ? '' : `: ${escape(summary)}`}`,
    '',
    ...(facts.aliases.length === 0 ? [] : [`Aliases: ${facts.aliases.map(escape).join(', ')}`, '']),
    '| package | installed | fixed in |',
    '|---|---|---|',
    ...findings.map((f) => `| ${escape(f.name)} | ${escape(f.installed)} | ${f.fixed === undefined ? 'no fix known' : escape(f.fixed)} |`),
    '',
    ...facts.exploited.map((e) => `- ${e}`),
    ...(facts.exploited.length === 0 ? [] : ['']),
    'References:',
    ...facts.references.map((url) => `- <${url}>`),
  ].join('\n');
}
