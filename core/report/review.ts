/**
 * What a reviewer wants from a new report: which findings appeared, which
 * went away, which changed (installed or fixed version, severity) since the
 * previous report of the same target — by severity, as Markdown for a pull
 * request. Deterministic: the same two reports give the same text.
 *
 * @example
 *   const diff = diffReports(previous, current);
 *   const markdown = renderReviewMarkdown([{ folder, diff, current }]);
 */
import { compareSeverity, SEVERITY_ORDER, type SeverityLevel } from '../model/severity.js';
import type { Finding, Report } from '../model/report.js';
import { checkedSentence, uncheckedLines } from './coverage-text.js';

export interface FindingChange {
  before: Finding;
  after: Finding;
  /** What differs: `installed`, `fixed`, `severity`, `status` (VEX). */
  fields: string[];
}

export interface ReportDiff {
  added: Finding[];
  fixed: Finding[];
  changed: FindingChange[];
  unchanged: number;
}

/** A finding's identity across scans: the advisory and the package, not its version. */
function identity(finding: Finding): string {
  const withoutVersion = finding.purl.replace(/@[^?#]*/, '');
  return `${finding.id}\u0000${withoutVersion}`;
}

export function diffReports(previous: Report | undefined, current: Report | undefined): ReportDiff {
  const before = new Map((previous?.findings ?? []).map((f) => [identity(f), f]));
  const after = new Map((current?.findings ?? []).map((f) => [identity(f), f]));
  const diff: ReportDiff = { added: [], fixed: [], changed: [], unchanged: 0 };
  for (const [key, finding] of after) {
    const old = before.get(key);
    if (old === undefined) {
      diff.added.push(finding);
      continue;
    }
    const fields: string[] = [];
    if (old.installed !== finding.installed) fields.push('installed');
    if (old.fixed !== finding.fixed) fields.push('fixed');
    if (old.severity.level !== finding.severity.level) fields.push('severity');
    if (vexStatus(old) !== vexStatus(finding)) fields.push('status');
    if (old.verdict?.verdict !== finding.verdict?.verdict) fields.push('verdict');
    if (fields.length > 0) diff.changed.push({ before: old, after: finding, fields });
    else diff.unchanged += 1;
  }
  for (const [key, finding] of before) if (!after.has(key)) diff.fixed.push(finding);
  const order = (a: Finding, b: Finding): number => compareSeverity(b.severity.level, a.severity.level) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.id < b.id ? -1 : 1);
  diff.added.sort(order);
  diff.fixed.sort(order);
  diff.changed.sort((a, b) => order(a.after, b.after));
  return diff;
}

export interface ReviewEntry {
  /** `findings/<node>/<target>` */
  folder: string;
  diff: ReportDiff;
  /** The report after the change; undefined when the report was removed. */
  current: Report | undefined;
}

export function renderReviewMarkdown(entries: readonly ReviewEntry[], title = 'Stella findings review'): string {
  const lines: string[] = [`# ${title}`, ''];
  if (entries.length === 0) return `${lines.join('\n')}No reports changed.\n`;
  const totals = { added: 0, fixed: 0, changed: 0 };
  for (const { diff } of entries) {
    totals.added += diff.added.length;
    totals.fixed += diff.fixed.length;
    totals.changed += diff.changed.length;
  }
  lines.push(`${entries.length} report${entries.length === 1 ? '' : 's'}: **${totals.added} new**, **${totals.fixed} fixed**, ${totals.changed} changed.`, '');
  for (const entry of entries) {
    const { diff, current } = entry;
    lines.push(`## ${entry.folder}`, '');
    if (current === undefined) {
      lines.push('Report removed.', '');
      continue;
    }
    lines.push(`Target \`${current.target.name}\` (${current.target.digest.slice(0, 19)}…), ${current.summary.components} components, ${current.summary.findings} findings: ${severityCounts(current.findings)}.`, '');
    lines.push(...coverageSection(current), ...policySection(current));
    lines.push(`| | ${SEVERITY_TABLE.join(' | ')} |`, `|---|${SEVERITY_TABLE.map(() => '---:').join('|')}|`);
    lines.push(`| new | ${countsBySeverity(diff.added).join(' | ')} |`, `| fixed | ${countsBySeverity(diff.fixed).join(' | ')} |`, `| changed | ${countsBySeverity(diff.changed.map((c) => c.after)).join(' | ')} |`, '');
    if (diff.added.length > 0) lines.push('### New', '', ...findingTable(diff.added), '');
    if (diff.fixed.length > 0) lines.push('### Fixed', '', ...findingTable(diff.fixed), '');
    if (diff.changed.length > 0) {
      lines.push('### Changed', '', '| package | advisory | change |', '|---|---|---|');
      for (const change of diff.changed) {
        const what = change.fields.map((field) => `${field}: ${describe(change.before, field)} → ${describe(change.after, field)}`).join('; ');
        lines.push(`| ${cell(change.after.name)} | ${cell(change.after.id)} | ${cell(what)} |`);
      }
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Severity columns, most severe first. */
export const SEVERITY_TABLE: readonly SeverityLevel[] = [...SEVERITY_ORDER].reverse();

/**
 * What was checked, and each group that was not: a reviewer must not read "0 findings" as "clean".
 * Shared with the `markdown` exporter.
 *
 * @example coverageSection(report)[0]; // 'Coverage: 177 of 177 components checked …'
 */
export function coverageSection(report: Report): string[] {
  const unchecked = uncheckedLines(report);
  const head = `Coverage: ${checkedSentence(report)}.`;
  if (unchecked.length === 0) return [head, ''];
  const count = report.coverage.unchecked.length;
  return [head, '', `**${count} component${count === 1 ? '' : 's'} not checked:**`, '', ...unchecked.map((line) => `- ${line}`), ''];
}

/** Findings per level, in SEVERITY_TABLE order. @example countsBySeverity(findings); // [1, 0, 2, 0, 0] */
export function countsBySeverity(findings: readonly Finding[]): number[] {
  return SEVERITY_TABLE.map((level) => findings.filter((f) => f.severity.level === level).length);
}

/** "1 critical, 2 medium", or "none". @example severityCounts(findings); // '1 critical, 2 medium' */
export function severityCounts(findings: readonly Finding[]): string {
  const parts = SEVERITY_TABLE.map((level) => [level, findings.filter((f) => f.severity.level === level).length] as const)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${n} ${level.toLowerCase()}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/**
 * A Markdown table of findings: severity, package, installed, advisory (with two aliases), fixed in,
 * VEX status, and the policy's verdict with what decided it.
 * @example findingTable(findings)[0]; // '| severity | package | …'
 */
export function findingTable(findings: readonly Finding[]): string[] {
  return [
    '| severity | package | installed | advisory | fixed in | VEX status | verdict |',
    '|---|---|---|---|---|---|---|',
    ...findings.map(
      (f) =>
        `| ${f.severity.level} | ${cell(f.name)} | ${cell(f.installed)} | ${cell([f.id, ...f.aliases.slice(0, 2)].join(', '))} | ${cell(f.fixed ?? '—')} | ${cell(vexStatus(f))} | ${cell(verdictText(f))} |`,
    ),
  ];
}

/** A finding's verdict and what decided it (`fail (rule kev)`), or `—` when no policy decided. */
function verdictText(finding: Finding): string {
  const v = finding.verdict;
  if (v === undefined) return '—';
  const by = v.exception !== undefined ? `exception ${v.exception}` : v.rule !== undefined ? `rule ${v.rule}` : 'default';
  return `${v.verdict} (${by})`;
}

/**
 * The policy's verdict for the target, its reasons and any expired exceptions; nothing when no policy decided.
 * @example policySection(report)[0]; // 'Policy `policies/prod.yaml` (builtin): **fail** — 2 findings fail by rule kev.'
 */
export function policySection(report: Report): string[] {
  const policy = report.policy;
  if (policy === undefined) return [];
  const lines = [`Policy \`${policy.source}\` (${policy.engine}): **${policy.verdict}** — ${policy.reasons.join('; ')}.`, ''];
  if (policy.expiredExceptions.length > 0) lines.push(`Expired exceptions (no longer applied): ${policy.expiredExceptions.map((ref) => `\`${ref}\``).join(', ')}.`, '');
  return lines;
}

function describe(finding: Finding, field: string): string {
  switch (field) {
    case 'installed':
      return finding.installed;
    case 'fixed':
      return finding.fixed ?? 'none';
    case 'severity':
      return finding.severity.level;
    case 'status':
      return vexStatus(finding);
    case 'verdict':
      return finding.verdict?.verdict ?? 'none';
    default:
      return '?';
  }
}

/**
 * A finding's VEX status for people: the status a statement set, with its
 * justification, or `—` when no statement spoke about it (the scanner's
 * default, affected).
 * @example vexStatus({ ...finding, status: 'not_affected', justification: 'vulnerable_code_not_present' }); // 'not_affected: vulnerable_code_not_present'
 */
export function vexStatus(finding: Finding): string {
  if (finding.status === undefined) return '—';
  return finding.justification === undefined ? finding.status : `${finding.status}: ${finding.justification}`;
}

/** Text safe inside a Markdown table cell. @example cell('a|b'); // 'a\\|b' */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}
