/**
 * The agent's one worker: takes jobs from the durable queue in order and
 * runs them one at a time (so the same target never runs twice at once, and
 * a scan never races a pull on the repository). A scan job interrupted by a
 * crash is first looked up on the node's branch (`recovery.ts`): if its
 * commit landed, the job completes from it instead of committing again.
 *
 * @example
 *   const worker = new Worker(deps);
 *   void worker.run();
 *   await worker.stop(8_000); // SIGTERM: finish or requeue the running job
 */
import { describeError } from '../../core/errors.js';
import { agentBranch, REPORT_FILE } from '../../core/report/layout.js';
import type { SigningKey } from '../../core/sign/keys.js';
import type { Logger } from '../log.js';
import type { NotifyAfterCommit } from '../notify/notify.js';
import type { StateRepo } from '../repo/state-repo.js';
import { failpoint, failpointArmed } from './failpoint.js';
import type { MainMemo } from './main-memo.js';
import type { JobRecord, JobReport } from './job.js';
import { metrics } from './metrics.js';
import type { JobQueue } from './queue.js';
import { findScanCommit } from './recovery.js';
import { targetState } from './target-state.js';

/** The scan path and the Git transport are loaded with the first job that needs them: an idle agent stays small. */
const remoteRoutes = (): Promise<typeof import('../remote/route.js')> => import('../remote/route.js');

const SCANS = metrics.counter('stella_scans_total', 'Scan jobs finished, by outcome');
const SCAN_SECONDS = metrics.histogram('stella_scan_duration_seconds', 'Time from a scan job starting to its end');

export interface WorkerDeps {
  queue: JobQueue;
  repo: StateRepo;
  node: string;
  /** The layer cache folder, handed to every scan. */
  cacheDir: string;
  log: Logger;
  /** Who signs committed reports; rejects (with the fix) when this clone cannot sign for the node. */
  signer: () => Promise<{ node: string; key: SigningKey }>;
  /** The node's key for re-signing during a push replay, when there is one. */
  pushKey: () => Promise<SigningKey | undefined>;
  /** Where committed scans send notifications (stella.yaml's routes, the outbox). */
  notify: NotifyAfterCommit;
  /** Matches and the policy kept per commit of main, for warm rescans. */
  memo?: MainMemo;
  /** After each successful pull (the schedule may have changed). */
  afterPull?: () => Promise<void>;
  /** The config's edge URL: without Git credentials, push and pull go through it (as `stella push`/`pull` do). */
  edge?: string;
  /** $STELLA_HOME, where the node's edge enrollment lives. */
  home: string;
}

/** See the module comment. */
export class Worker {
  private stopping = false;
  private current: { job: JobRecord; done: Promise<void> } | undefined;
  private abandoned = new Set<string>();
  /** Jobs that failed since this worker started (`--once` exits non-zero on any). */
  failures = 0;

  constructor(private readonly deps: WorkerDeps) {}

  /** Runs jobs until {@link stop}. */
  async run(): Promise<void> {
    if (failpointArmed('worker:hold')) return;
    while (!this.stopping) {
      await this.deps.queue.waitForWork();
      if (this.stopping) break;
      await this.runNext();
    }
  }

  /** Runs queued jobs until none is left (for `--once`). */
  async drain(): Promise<void> {
    while (!this.stopping && this.deps.queue.depth() > 0) await this.runNext();
  }

  /** Stops taking jobs; waits up to `graceMs` for the running one, then requeues it. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const current = this.current;
    if (current === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([current.done.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
    clearTimeout(timer);
    if (!finished) {
      this.abandoned.add(current.job.id);
      await this.deps.queue.requeue(current.job.id);
      this.deps.log.warn(`stopping: job ${current.job.id} (${current.job.kind}) did not finish in time and was requeued`, { id: current.job.id });
    }
  }

  private async runNext(): Promise<void> {
    const job = await this.deps.queue.take();
    if (job === undefined) return;
    const done = this.execute(job);
    this.current = { job, done };
    await done;
    this.current = undefined;
  }

  private async execute(job: JobRecord): Promise<void> {
    const started = performance.now();
    this.deps.log.info(`job ${job.id}: ${job.kind}${job.target === undefined ? '' : ` ${job.target}`} started (attempt ${job.attempts})`, { id: job.id, kind: job.kind });
    try {
      switch (job.kind) {
        case 'scan':
          await this.scan(job);
          break;
        case 'push':
          failpoint('push:before');
          await this.push();
          failpoint('push:after');
          await this.finish(job, { status: 'done' });
          break;
        case 'pull':
          await this.pull();
          await this.finish(job, { status: 'done' });
          await this.deps.afterPull?.();
          break;
        default:
          throw new Error(`unknown job kind ${String((job as { kind?: unknown }).kind)}`);
      }
    } catch (error) {
      this.failures += 1;
      this.deps.log.error(`job ${job.id}: ${job.kind} failed: ${describeError(error)}`, { id: job.id });
      await this.finish(job, { status: 'failed', error: describeError(error) });
    } finally {
      if (job.kind === 'scan') SCAN_SECONDS.observe((performance.now() - started) / 1000);
    }
  }

  private async scan(job: JobRecord): Promise<void> {
    const target = job.target ?? '';
    const commit = job.commit === true;
    if (commit && job.attempts > 1) {
      const found = await findScanCommit(this.deps.repo.store, agentBranch(this.deps.node), job.id);
      if (found !== undefined) {
        const report: JobReport = { commit: found.commit, branch: agentBranch(this.deps.node), folder: found.folder, changed: true };
        this.deps.log.info(`job ${job.id}: its commit ${found.commit.slice(0, 12)} had landed before the restart; not committing again`, { id: job.id });
        await this.finish(job, { status: 'done', summary: { ...found.report.summary.severities }, report }, targetState(found.report, { target, scanId: job.id, report }));
        return;
      }
    }
    const { runScan } = await import('./run-scan.js');
    const { outcome, committed } = await runScan(target, {
      commit,
      cacheDir: this.deps.cacheDir,
      repo: this.deps.repo,
      scanId: job.id,
      ...(job.name === undefined ? {} : { name: job.name }),
      ...(this.deps.memo === undefined ? {} : { memo: this.deps.memo }),
      ...(commit ? { signer: await this.deps.signer(), notify: this.deps.notify } : {}),
    });
    failpoint('commit:after-ref');
    const report = committed === undefined ? undefined : { commit: committed.commit, branch: committed.branch, folder: committed.folder, changed: committed.changed };
    await this.finish(
      job,
      { status: 'done', summary: { ...outcome.report.summary.severities }, ...(report === undefined ? {} : { report }) },
      targetState(outcome.report, { target, scanId: job.id, ...(report === undefined ? {} : { report }) }),
    );
  }

  private async finish(job: JobRecord, patch: Partial<JobRecord> & { status: 'done' | 'failed' }, latest?: Parameters<JobQueue['finish']>[2]): Promise<void> {
    if (this.abandoned.has(job.id)) return;
    if (job.kind === 'scan') SCANS.inc({ outcome: patch.status });
    const finished = await this.deps.queue.finish(job.id, patch, latest);
    const where = finished.report === undefined ? '' : `: ${finished.report.folder}/${REPORT_FILE} at ${finished.report.commit.slice(0, 12)}`;
    this.deps.log.info(`job ${job.id}: ${job.kind} ${patch.status}${where}`, { id: job.id, status: patch.status });
  }

  /** Pushes the way `stella push` would (one chooser for both: the Git remote, or the edge without credentials). */
  private async push(): Promise<void> {
    const { chooseRemoteRoute, pushByRoute } = await remoteRoutes();
    const route = await chooseRemoteRoute({ edge: this.deps.edge, home: this.deps.home });
    const key = route.$case === 'edge' ? undefined : await this.deps.pushKey();
    await pushByRoute(this.deps.repo, route, { node: this.deps.node, log: this.deps.log, ...(key === undefined ? {} : { key }) });
  }

  /** Pulls the way `stella pull` would; through the edge too, every ref move passes the same admission. */
  private async pull(): Promise<void> {
    const { chooseRemoteRoute, pullByRoute } = await remoteRoutes();
    await pullByRoute(this.deps.repo, await chooseRemoteRoute({ edge: this.deps.edge, home: this.deps.home }), { node: this.deps.node, log: this.deps.log });
  }
}
