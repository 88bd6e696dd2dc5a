/**
 * The durable job queue: every accepted job is in LevelDB (the data dir's
 * `queue/`) before the API answers 202, so `kill -9` at any moment loses
 * nothing. A job found `running` at start-up was interrupted: it is queued
 * again, and the worker makes sure it completes once (see `worker.ts`).
 *
 * Keys: `job:<id>` → the record; `pending:<seq>` → id, for the jobs still
 * to run, in order; `latest:<target>` → the last scan of a target; `meta:seq`.
 *
 * @example
 *   const queue = await JobQueue.open(join(dataDir, 'queue'), { max: 100 });
 *   const job = await queue.enqueue({ kind: 'scan', source: 'api', target: 'app.oci.tar', commit: true });
 */
import { randomUUID } from 'node:crypto';
import { Level } from 'level';
import { StellaError } from '../../core/errors.js';
import type { JobRecord, JobRequest, TargetState } from './job.js';

/** Finished jobs kept for `GET /v1/scans/:id`; older ones are dropped as new ones finish (and at start-up). */
const KEEP_FINISHED = 1000;
const SYNC = { sync: true } as const;
/**
 * Job records are a few hundred bytes and read once, at start-up: LevelDB's
 * defaults (an 8 MB block cache, a 4 MB write buffer) would only hold an idle
 * agent's memory.
 */
const DB_OPTIONS = { cacheSize: 512 * 1024, writeBufferSize: 512 * 1024 } as const;

/** The queue over one LevelDB (see the module comment). */
export class JobQueue {
  private readonly pending: string[] = [];
  private readonly jobs = new Map<string, JobRecord>();
  /** Ids of finished jobs, oldest first: a long-running agent keeps the last `keep` (default {@link KEEP_FINISHED}), not every job it ever ran. */
  private readonly finished: string[] = [];
  private waiters: (() => void)[] = [];
  /** Callers of {@link settled}, by job id. */
  private readonly watchers = new Map<string, Set<() => void>>();
  private seq: number;

  private constructor(
    private readonly db: Level<string, string>,
    private readonly max: number,
    private readonly keep: number,
    seq: number,
  ) {
    this.seq = seq;
  }

  /** Opens (or creates) the queue and requeues jobs a crash left running. */
  static async open(dir: string, options: { max: number; keepFinished?: number }): Promise<JobQueue> {
    const db = new Level<string, string>(dir, DB_OPTIONS);
    try {
      await db.open();
    } catch (cause) {
      throw new StellaError('WRITE_FAILED', `${dir}: cannot open the job queue (is another agent using this data dir?)`, { cause });
    }
    const queue = new JobQueue(db, options.max, options.keepFinished ?? KEEP_FINISHED, Number((await db.get('meta:seq')) ?? '0'));
    await queue.load();
    return queue;
  }

  private async load(): Promise<void> {
    const interrupted: JobRecord[] = [];
    const finished: JobRecord[] = [];
    for await (const value of this.db.values({ gt: 'job:', lt: 'job;' })) {
      const job = JSON.parse(value) as JobRecord;
      this.jobs.set(job.id, job);
      if (job.status === 'running') interrupted.push(job);
      if (job.status === 'done' || job.status === 'failed') finished.push(job);
    }
    const batch = this.db.batch();
    for (const job of interrupted) {
      job.status = 'queued';
      batch.put(`job:${job.id}`, JSON.stringify(job));
      batch.put(pendingKey(job.seq), job.id);
    }
    finished.sort((a, b) => b.seq - a.seq);
    for (const job of finished.slice(this.keep)) {
      this.jobs.delete(job.id);
      batch.del(`job:${job.id}`);
    }
    this.finished.push(...finished.slice(0, this.keep).reverse().map((job) => job.id));
    await batch.write(SYNC);
    for await (const id of this.db.values({ gt: 'pending:', lt: 'pending;' })) this.pending.push(id);
  }

  /** Jobs waiting to run (not counting the one running). */
  depth(): number {
    return this.pending.length;
  }

  /** Accepts a job durably; QUEUE_FULL when `max` jobs are already waiting. */
  async enqueue(request: JobRequest): Promise<JobRecord> {
    if (this.pending.length >= this.max) {
      throw new StellaError('QUEUE_FULL', `the job queue is full (${this.max} waiting); retry later`, { data: { max: this.max } });
    }
    this.seq += 1;
    const job: JobRecord = { ...request, id: randomUUID(), seq: this.seq, status: 'queued', createdAt: new Date().toISOString(), attempts: 0 };
    this.jobs.set(job.id, job);
    this.pending.push(job.id);
    await this.db.batch([
      { type: 'put', key: `job:${job.id}`, value: JSON.stringify(job) },
      { type: 'put', key: pendingKey(job.seq), value: job.id },
      { type: 'put', key: 'meta:seq', value: String(this.seq) },
    ], SYNC);
    this.wake();
    return { ...job };
  }

  /** A copy of one job, or undefined. */
  get(id: string): JobRecord | undefined {
    const job = this.jobs.get(id);
    return job === undefined ? undefined : { ...job };
  }

  /** True when a scan of `target` is queued or running (the scheduler adds no second one). */
  hasActiveScan(target: string): boolean {
    for (const job of this.jobs.values()) {
      if (job.kind === 'scan' && job.target === target && (job.status === 'queued' || job.status === 'running')) return true;
    }
    return false;
  }

  /** True when a job of `kind` is queued or running. */
  hasActive(kind: JobRecord['kind']): boolean {
    for (const job of this.jobs.values()) if (job.kind === kind && (job.status === 'queued' || job.status === 'running')) return true;
    return false;
  }

  /** Takes the next queued job and marks it running (durably), or undefined when none waits. */
  async take(): Promise<JobRecord | undefined> {
    const id = this.pending.shift();
    if (id === undefined) return undefined;
    const job = this.jobs.get(id) as JobRecord;
    job.status = 'running';
    job.attempts += 1;
    job.startedAt = new Date().toISOString();
    await this.db.batch([
      { type: 'put', key: `job:${id}`, value: JSON.stringify(job) },
      { type: 'del', key: pendingKey(job.seq) },
    ], SYNC);
    return { ...job };
  }

  /** Resolves when a job is waiting (at once if one already is). */
  waitForWork(): Promise<void> {
    if (this.pending.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Records a running job's end (done or failed) with its results, and the target's latest state when given. */
  async finish(id: string, patch: Partial<JobRecord> & { status: 'done' | 'failed' }, latest?: TargetState): Promise<JobRecord> {
    const job = { ...(this.jobs.get(id) as JobRecord), ...patch, finishedAt: new Date().toISOString() };
    this.jobs.set(id, job);
    const batch = this.db.batch().put(`job:${id}`, JSON.stringify(job));
    if (latest !== undefined) batch.put(`latest:${latest.target}`, JSON.stringify(latest));
    if (!this.finished.includes(id)) this.finished.push(id);
    while (this.finished.length > this.keep) {
      const old = this.finished.shift() as string;
      this.jobs.delete(old);
      batch.del(`job:${old}`);
    }
    await batch.write(SYNC);
    this.notifySettled(id);
    return { ...job };
  }

  /**
   * Resolves once job `id` is done or failed (at once if it is, or is
   * unknown), or after `ms`, whichever comes first; never rejects. For
   * `GET /v1/scans/:id?wait=`: a client learns of the end without polling.
   */
  settled(id: string, ms: number): Promise<void> {
    const job = this.jobs.get(id);
    if (job === undefined || job.status === 'done' || job.status === 'failed' || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      let watchers = this.watchers.get(id);
      if (watchers === undefined) this.watchers.set(id, (watchers = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        watchers.delete(done);
        if (watchers.size === 0 && this.watchers.get(id) === watchers) this.watchers.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      watchers.add(done);
    });
  }

  /** Puts a running job back at the head of the queue (SIGTERM before it could finish). */
  async requeue(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (job === undefined || job.status !== 'running') return;
    job.status = 'queued';
    this.pending.unshift(id);
    await this.db.batch([
      { type: 'put', key: `job:${id}`, value: JSON.stringify(job) },
      { type: 'put', key: pendingKey(job.seq), value: id },
    ], SYNC);
  }

  /** The last scan of every target, by target. */
  async latest(): Promise<TargetState[]> {
    const states: TargetState[] = [];
    for await (const value of this.db.values({ gt: 'latest:', lt: 'latest;' })) states.push(JSON.parse(value) as TargetState);
    return states;
  }

  /** A small value kept beside the jobs (the last run of each scheduled entry). */
  async getMeta(key: string): Promise<string | undefined> {
    return this.db.get(`meta:${key}`);
  }

  /** Sets a {@link getMeta} value durably. */
  async setMeta(key: string, value: string): Promise<void> {
    await this.db.put(`meta:${key}`, value, SYNC);
  }

  /** Closes the database; waiters are released. */
  async close(): Promise<void> {
    this.wake();
    for (const id of [...this.watchers.keys()]) this.notifySettled(id);
    await this.db.close();
  }

  private notifySettled(id: string): void {
    for (const done of [...(this.watchers.get(id) ?? [])]) done();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Zero-padded so LevelDB's byte order is the acceptance order. */
function pendingKey(seq: number): string {
  return `pending:${String(seq).padStart(16, '0')}`;
}
