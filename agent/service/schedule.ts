/**
 * `nodes/<node>/schedule.yaml` (schema: schemas/schedule.schema.json): the
 * targets a node scans and when, and when it pulls and pushes. Read
 * entry by entry: an entry with an invalid cron expression, an unknown
 * target or a wrong field is refused with its file and line, and every
 * other entry is still scheduled.
 *
 * @example
 *   const schedule = parseSchedule(text, 'nodes/edge-1/schedule.yaml');
 *   for (const p of schedule.problems) log.warn(`${p.file}:${p.line}: ${p.message}`);
 */
import { Cron } from 'croner';
import YAML, { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';

/** One scheduled scan of a named target. */
export interface ScanEntry {
  /** The target's name (the report's target name). */
  name: string;
  /** A path on the node, or a registry:// reference. */
  target: string;
  commit: boolean;
  cron: string;
  /** Up to this many seconds of random delay, so nodes do not all start at once. */
  jitter: number;
  line: number;
}

/** When to pull or push. */
export interface TaskEntry {
  cron: string;
  jitter: number;
  line: number;
}

/** An entry refused at load. */
export interface ScheduleProblem {
  file: string;
  line: number;
  message: string;
}

export interface Schedule {
  scans: ScanEntry[];
  pull?: TaskEntry;
  push?: TaskEntry;
  problems: ScheduleProblem[];
}

/** Where a node's schedule lives in the state repository. */
export function schedulePath(node: string): string {
  return `nodes/${node}/schedule.yaml`;
}

/** Parses a schedule (see the module comment); never throws for bad content. */
export function parseSchedule(text: string, file: string): Schedule {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const schedule: Schedule = { scans: [], problems: [] };
  const lineOf = (node: Node | Pair | null | undefined): number => {
    const range = node !== null && node !== undefined && 'range' in node ? node.range : undefined;
    const start = range?.[0] ?? (node !== null && node !== undefined && 'key' in node ? ((node.key as Node | null)?.range?.[0] ?? 0) : 0);
    return lines.linePos(start).line;
  };
  const refuse = (node: Node | Pair | null | undefined, message: string): void => {
    schedule.problems.push({ file, line: lineOf(node), message });
  };
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    schedule.problems.push({ file, line: error?.linePos?.[0].line ?? 1, message: `not valid YAML: ${error?.message.split('\n')[0] ?? ''}` });
    return schedule;
  }
  if (doc.contents === null) return schedule;
  if (!isMap(doc.contents)) {
    refuse(doc.contents, 'expected a mapping with targets, scans, pull and push');
    return schedule;
  }
  const targets = new Map<string, { target: string; commit: boolean }>();
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    switch (key) {
      case 'targets':
        readTargets(pair.value as Node | null, targets, refuse, pair);
        break;
      case 'scans':
        if (!isSeq(pair.value)) refuse(pair, 'scans: expected a list of {target, cron, jitter}');
        else for (const item of pair.value.items) readScan(item as Node, targets, schedule, refuse, lineOf);
        break;
      case 'pull':
      case 'push': {
        const task = readTask(pair.value as Node | null, key, refuse, pair);
        if (task !== undefined) schedule[key] = { ...task, line: lineOf(pair) };
        break;
      }
      default:
        refuse(pair, `unknown key "${key}" (known: targets, scans, pull, push)`);
    }
  }
  return schedule;
}

type Refuse = (node: Node | Pair | null | undefined, message: string) => void;

function readTargets(value: Node | null, targets: Map<string, { target: string; commit: boolean }>, refuse: Refuse, at: Pair): void {
  if (!isMap(value)) return refuse(at, 'targets: expected a mapping of name → {target, commit}');
  for (const pair of value.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
      refuse(pair, `target name "${name}" must be letters, digits, '.', '_' or '-'`);
      continue;
    }
    const fields = mapFields(pair.value as Node | null);
    const target = fields?.get('target');
    const commit = fields?.get('commit') ?? true;
    const extra = fields === undefined ? [] : [...fields.keys()].filter((k) => k !== 'target' && k !== 'commit');
    if (fields === undefined || typeof target !== 'string' || target === '') refuse(pair, `target ${name}: "target" (a path or registry:// reference) is required`);
    else if (typeof commit !== 'boolean') refuse(pair, `target ${name}: "commit" must be true or false`);
    else if (extra.length > 0) refuse(pair, `target ${name}: unknown field "${extra[0] ?? ''}" (known: target, commit)`);
    else targets.set(name, { target, commit });
  }
}

function readScan(item: Node, targets: Map<string, { target: string; commit: boolean }>, schedule: Schedule, refuse: Refuse, lineOf: (node: Node) => number): void {
  const fields = mapFields(item);
  if (fields === undefined) return refuse(item, 'scan entry: expected {target, cron, jitter}');
  const name = fields.get('target');
  const extra = [...fields.keys()].filter((k) => k !== 'target' && k !== 'cron' && k !== 'jitter');
  if (extra.length > 0) return refuse(item, `scan entry: unknown field "${extra[0] ?? ''}" (known: target, cron, jitter)`);
  if (typeof name !== 'string') return refuse(item, 'scan entry: "target" (a name from targets) is required');
  const target = targets.get(name);
  if (target === undefined) return refuse(item, `scan entry: unknown target "${name}" (not under targets)`);
  const timing = checkTiming(fields, `scan of ${name}`);
  if (typeof timing === 'string') return refuse(item, timing);
  schedule.scans.push({ name, ...target, ...timing, line: lineOf(item) });
}

function readTask(value: Node | null, key: string, refuse: Refuse, at: Pair): { cron: string; jitter: number } | undefined {
  const fields = mapFields(value);
  if (fields === undefined) {
    refuse(at, `${key}: expected {cron, jitter}`);
    return undefined;
  }
  const extra = [...fields.keys()].filter((k) => k !== 'cron' && k !== 'jitter');
  const timing = extra.length > 0 ? `${key}: unknown field "${extra[0] ?? ''}" (known: cron, jitter)` : checkTiming(fields, key);
  if (typeof timing === 'string') {
    refuse(at, timing);
    return undefined;
  }
  return timing;
}

/** The cron expression (checked by croner) and the jitter, or a message saying what is wrong. */
function checkTiming(fields: Map<string, unknown>, what: string): { cron: string; jitter: number } | string {
  const cron = fields.get('cron');
  const jitter = fields.get('jitter') ?? 0;
  if (typeof cron !== 'string') return `${what}: "cron" is required (five fields, e.g. "0 */6 * * *")`;
  try {
    new Cron(cron, { paused: true }).stop();
  } catch (error) {
    return `${what}: invalid cron expression "${cron}" (${(error as Error).message})`;
  }
  if (typeof jitter !== 'number' || !Number.isInteger(jitter) || jitter < 0 || jitter > 86_400) return `${what}: "jitter" must be whole seconds from 0 to 86400`;
  return { cron, jitter };
}

function mapFields(node: Node | null | undefined): Map<string, unknown> | undefined {
  if (!isMap(node)) return undefined;
  const fields = new Map<string, unknown>();
  for (const pair of (node as YAMLMap).items) {
    if (isScalar(pair.key)) fields.set(String(pair.key.value), isScalar(pair.value) ? pair.value.value : pair.value);
  }
  return fields;
}
