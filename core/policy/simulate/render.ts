/**
 * A simulation as a person reads it: a plain-text table for the terminal,
 * and Markdown for a pull request comment. Deterministic: the same result
 * gives the same text (the moment of evaluation is printed as given).
 *
 * @example
 *   process.stdout.write(renderSimulationMarkdown(result, now));
 */
import type { FindingVerdict } from '../../model/policy.js';
import { cell } from '../../report/review.js';
import type { FindingChange, SimulationResult } from './simulate.js';

const ORDER = ['fail', 'error', 'warn', 'pass', 'none'];

/** The simulation as Markdown (a PR comment). */
export function renderSimulationMarkdown(result: SimulationResult, now: Date): string {
  const lines = ['# Stella policy simulation', '', `${headline(result, now, (s) => `\`${s}\``)}`, ''];
  lines.push('| target verdict | now | with the candidate |', '|---|---:|---:|');
  for (const verdict of verdictsIn(result)) lines.push(`| ${verdict} | ${result.totals.before[verdict] ?? 0} | ${result.totals.after[verdict] ?? 0} |`);
  lines.push('', `**${changeSentence(result)}**`, '');
  for (const change of result.changes) {
    lines.push(`## ${cell(change.folder)}: ${change.before} → ${change.after}`, '');
    if (change.findings.length === 0) {
      lines.push('No finding changes verdict.', '');
      continue;
    }
    lines.push('| package | advisory | now | with the candidate | decided by |', '|---|---|---|---|---|');
    for (const f of change.findings) lines.push(`| ${cell(f.name)} | ${cell(f.id)} | ${verdict(f.before)} | ${verdict(f.after)} | ${cell(decidedBy(f.after))} |`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The simulation as an aligned plain-text table. */
export function renderSimulationTable(result: SimulationResult, now: Date): string {
  const rows: string[][] = [['TARGET / FINDING', 'NOW', 'CANDIDATE', 'DECIDED BY']];
  for (const change of result.changes) {
    rows.push([change.folder, change.before, change.after, ''], ...change.findings.map((f) => findingRow(f)));
  }
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  const table = rows.map((row) => row.map((text, col) => (col === row.length - 1 ? text : text.padEnd(widths[col] ?? 0))).join('  ').trimEnd());
  return `${headline(result, now, (s) => s)}\n${changeSentence(result)}\n${result.changes.length === 0 ? '' : `\n${table.join('\n')}\n`}`;
}

function findingRow(f: FindingChange): string[] {
  return [`  ${f.name} ${f.id}`, verdict(f.before), verdict(f.after), decidedBy(f.after)];
}

function headline(result: SimulationResult, now: Date, code: (s: string) => string): string {
  const candidate = `${code(result.candidate.source)} (${result.candidate.engine}, sha256 ${result.candidate.digest.slice(0, 12)})`;
  const baseline = result.baseline === undefined ? 'no policy in force' : `the policy in force ${code(result.baseline.source)} (${result.baseline.engine}, sha256 ${result.baseline.digest.slice(0, 12)})`;
  return `Candidate ${candidate} against ${baseline}: ${result.reports} report${result.reports === 1 ? '' : 's'}, ${result.findings} findings, evaluated as of ${now.toISOString()}.`;
}

function changeSentence(result: SimulationResult): string {
  const targets = result.changes.filter((c) => c.before !== c.after).length;
  const findings = result.changes.reduce((n, c) => n + c.findings.length, 0);
  if (targets === 0 && findings === 0) return 'No target or finding would change verdict.';
  return `${targets} target${targets === 1 ? '' : 's'} and ${findings} finding${findings === 1 ? '' : 's'} would change verdict.`;
}

function verdictsIn(result: SimulationResult): string[] {
  const present = new Set([...Object.keys(result.totals.before), ...Object.keys(result.totals.after)]);
  return ORDER.filter((v) => present.has(v));
}

function verdict(v: FindingVerdict | undefined): string {
  return v?.verdict ?? 'none';
}

function decidedBy(v: FindingVerdict | undefined): string {
  if (v === undefined) return '';
  if (v.exception !== undefined) return `exception ${v.exception}`;
  return v.rule !== undefined ? `rule ${v.rule}` : 'default';
}
