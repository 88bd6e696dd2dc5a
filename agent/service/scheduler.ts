/**
 * Runs a node's schedule: each entry's cron expression (croner) fires,
 * waits its random jitter, and enqueues a job — unless one for the same
 * target (or a pull/push) is still queued or running, so nothing runs twice
 * at once. `reload()` re-reads `nodes/<node>/schedule.yaml` from main and
 * replaces the timers when its content changed (after every pull).
 *
 * @example
 *   const scheduler = new Scheduler({ repo, node, queue, log });
 *   await scheduler.reload();
 *   scheduler.stop();
 */
import { Cron } from 'croner';
import type { Logger } from '../log.js';
import { MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import type { JobQueue } from './queue.js';
import { parseSchedule, schedulePath, type Schedule, type ScanEntry, type TaskEntry } from './schedule.js';

export interface SchedulerDeps {
  repo: StateRepo;
  node: string;
  queue: JobQueue;
  log: Logger;
  /** False for `--once`: the schedule is read, no timer runs. */
  timers: boolean;
}

/** See the module comment. */
export class Scheduler {
  private crons: Cron[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private loadedBlob: string | undefined = '';
  private current: Schedule = { scans: [], problems: [] };

  constructor(private readonly deps: SchedulerDeps) {}

  /** The schedule in force. */
  get schedule(): Schedule {
    return this.current;
  }

  /** Reads the schedule from main; (re)starts the timers if it changed. Returns true when it did. */
  async reload(start = true): Promise<boolean> {
    const { store } = this.deps.repo;
    const path = schedulePath(this.deps.node);
    const tip = await store.branchTip(MAIN_BRANCH);
    const folder = tip === undefined ? [] : await store.listFolder(tip, `nodes/${this.deps.node}`).catch(() => []);
    const blob = folder.find((entry) => entry.path === 'schedule.yaml')?.oid;
    if (blob === this.loadedBlob) return false;
    this.loadedBlob = blob;
    const text = blob === undefined ? '' : new TextDecoder().decode(await store.readBlob(blob));
    this.current = parseSchedule(text, path);
    for (const problem of this.current.problems) this.deps.log.warn(`${problem.file}:${problem.line}: ${problem.message}; entry not scheduled`, { ...problem });
    this.deps.log.info(`${path}: ${blob === undefined ? 'none' : `${this.current.scans.length} scans scheduled`}`, { path, scans: this.current.scans.length });
    if (start && this.deps.timers) this.startTimers();
    return true;
  }

  /** Scan entries whose cron fired since their last run (or that never ran), for `--once`. */
  async dueScans(now: Date): Promise<ScanEntry[]> {
    const due: ScanEntry[] = [];
    for (const entry of this.current.scans) {
      const last = await this.deps.queue.getMeta(lastRunKey(entry));
      const next = last === undefined ? now : new Cron(entry.cron, { paused: true }).nextRun(new Date(last));
      if (next !== null && next.getTime() <= now.getTime()) due.push(entry);
    }
    return due;
  }

  /** Enqueues a scan of the entry unless one of its target is queued or running. */
  async enqueueScan(entry: ScanEntry, source: 'schedule' | 'once'): Promise<void> {
    if (this.deps.queue.hasActiveScan(entry.target)) {
      this.deps.log.info(`scan of ${entry.name} still queued or running; this run skipped`, { target: entry.name });
      return;
    }
    await this.deps.queue.setMeta(lastRunKey(entry), new Date().toISOString());
    await this.deps.queue.enqueue({ kind: 'scan', source, target: entry.target, name: entry.name, commit: entry.commit });
  }

  /** Stops every timer. */
  stop(): void {
    for (const cron of this.crons) cron.stop();
    for (const timer of this.timers) clearTimeout(timer);
    this.crons = [];
    this.timers.clear();
  }

  private startTimers(): void {
    this.stop();
    for (const entry of this.current.scans) this.every(entry, () => this.enqueueScan(entry, 'schedule'));
    for (const kind of ['pull', 'push'] as const) {
      const task = this.current[kind];
      if (task !== undefined) this.every(task, () => this.enqueueTask(kind));
    }
  }

  private every(entry: TaskEntry | ScanEntry, fire: () => Promise<void>): void {
    const cron = new Cron(entry.cron, { protect: true }, () => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        fire().catch((error: unknown) => this.deps.log.warn(`scheduled job not queued: ${(error as Error).message}`));
      }, Math.floor(Math.random() * entry.jitter * 1000));
      this.timers.add(timer);
    });
    this.crons.push(cron);
  }

  private async enqueueTask(kind: 'pull' | 'push'): Promise<void> {
    if (this.deps.queue.hasActive(kind)) return;
    await this.deps.queue.enqueue({ kind, source: 'schedule' });
  }
}

function lastRunKey(entry: ScanEntry): string {
  return `lastrun:${entry.name}`;
}
