/**
 * What is worth telling people about a committed report, compared with the
 * previous report of the same target: findings whose verdict became `fail`
 * and findings newly listed in CISA KEV. A finding is the same across
 * reports when its advisory id and package (purl without version) are;
 * one that was already failing (or already in KEV) last time is not news,
 * so a rescan that changes nothing sends nothing.
 *
 * @example
 *   const events = newEvents(previous, report, { node: 'edge-1', folder });
 */
import type { SeverityLevel } from '../../core/model/severity.js';
import type { Finding, Report } from '../../core/model/report.js';
import type { NotifyTrigger } from './routes.js';

/** One thing to tell. */
export interface NotifyEvent {
  kind: NotifyTrigger;
  node: string;
  target: string;
  /** The report's folder in the state repository. */
  folder: string;
  id: string;
  aliases: string[];
  purl: string;
  severity: SeverityLevel;
  /** The verdict's reason (fail) or what KEV says (kev). */
  reason: string;
  /** The rule or exception that decided a fail. */
  rule?: string;
}

/** The advisory and the package without its version: a version bump that keeps the flaw is not news. */
const key = (f: Finding): string => `${f.id}\u0000${f.purl.replace(/@[^?#]*/, '')}`;

/** New `fail` verdicts and new KEV listings of `current` against `previous` (undefined: the first report), sorted. */
export function newEvents(previous: Report | undefined, current: Report, where: { node: string; folder: string }): NotifyEvent[] {
  const failedBefore = new Set((previous?.findings ?? []).filter((f) => f.verdict?.verdict === 'fail').map(key));
  const kevBefore = new Set((previous?.findings ?? []).filter((f) => f.kev !== undefined).map(key));
  const events: NotifyEvent[] = [];
  const base = (f: Finding, kind: NotifyTrigger): Omit<NotifyEvent, 'reason'> => ({
    kind, node: where.node, target: current.target.name, folder: where.folder, id: f.id, aliases: [...f.aliases], purl: f.purl, severity: f.severity.level,
  });
  for (const f of current.findings) {
    if (f.verdict?.verdict === 'fail' && !failedBefore.has(key(f))) {
      const event: NotifyEvent = { ...base(f, 'fail'), reason: f.verdict.reason };
      if (f.verdict.rule !== undefined) event.rule = f.verdict.rule;
      events.push(event);
    }
    if (f.kev !== undefined && !kevBefore.has(key(f))) {
      events.push({ ...base(f, 'kev'), reason: `listed in CISA KEV since ${f.kev.dateAdded}, remediation due ${f.kev.dueDate}` });
    }
  }
  return events.sort((a, b) => compare(eventKey(a), eventKey(b)));
}

/** What makes two events the same (the outbox keeps one). */
export function eventKey(e: NotifyEvent): string {
  return [e.kind, e.node, e.target, e.id, e.purl].join('\u0000');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
