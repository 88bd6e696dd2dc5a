/**
 * The agent's parts wired together, for both ways it runs: as a service
 * (`server.ts`) and once (`once.ts`). The durable queue lives in the data
 * dir (`queue/`), beside the layer cache (`cache/`). Committed scans
 * notify stella.yaml's routes; the service delivers the outbox every minute
 * (the same outbox `stella scan` and `stella notify flush` use).
 *
 * @example
 *   const agent = await openRuntime({ repo, node, dataDir, queueMax: 100, log, signer, pushKey });
 *   await agent.scheduler.reload();
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { closeScanCaches } from './scan-cache-handle.js';
import type { SigningKey } from '../../core/sign/keys.js';
import type { Logger } from '../log.js';
import type { NotifyAfterCommit } from '../notify/notify.js';
import type { StateRepo } from '../repo/state-repo.js';
import { MainMemo } from './main-memo.js';
import { metrics } from './metrics.js';
import { JobQueue } from './queue.js';
import { RepoWatch } from './repo-state.js';
import { Scheduler } from './scheduler.js';
import { Worker } from './worker.js';

export interface RuntimeOptions {
  repo: StateRepo;
  node: string;
  dataDir: string;
  queueMax: number;
  /** $STELLA_HOME: the notification outbox lives there, shared with `stella scan` and `stella notify flush`. */
  home: string;
  log: Logger;
  signer: () => Promise<{ node: string; key: SigningKey }>;
  pushKey: () => Promise<SigningKey | undefined>;
  /** False for `--once`: no cron timers. */
  timers: boolean;
  /** The config's edge URL (push and pull go through it when the node holds no Git credentials). */
  edge?: string;
}

export interface Runtime {
  queue: JobQueue;
  worker: Worker;
  scheduler: Scheduler;
  watch: RepoWatch;
  /** The layer cache folder handed to scans. */
  cacheDir: string;
  /** Delivers what waits in the notification outbox (digests that came due, earlier failures). */
  flushNotifications(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the queue and builds the worker, scheduler and repository watch. */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const cacheDir = join(options.dataDir, 'cache');
  const queue = await JobQueue.open(join(options.dataDir, 'queue'), { max: options.queueMax });
  const watch = new RepoWatch(options.repo);
  const scheduler = new Scheduler({ repo: options.repo, node: options.node, queue, log: options.log, timers: options.timers });
  const memo = new MainMemo(options.repo);
  const notify: NotifyAfterCommit = { home: options.home, log: options.log, env: process.env };
  // Loaded with the first delivery: an idle agent that notifies nobody keeps the routes, payloads and policy code out of memory.
  const flushNotifications = async (): Promise<void> => (await import('../notify/notify.js')).flushQuietly(options.repo, notify);
  const flusher = options.timers ? everyMinute(flushNotifications) : undefined;
  const worker = new Worker({
    queue,
    notify,
    repo: options.repo,
    node: options.node,
    cacheDir,
    memo,
    log: options.log,
    signer: options.signer,
    pushKey: options.pushKey,
    home: options.home,
    ...(options.edge === undefined ? {} : { edge: options.edge }),
    afterPull: async () => {
      const inputsBefore = watch.decisionInputs;
      await watch.refresh();
      await scheduler.reload();
      // New feeds, VEX or policy: cached targets are re-matched and decided (no image read), and changed ones get new reports.
      if (inputsBefore !== undefined && watch.decisionInputs !== inputsBefore) {
        const { rematchAfterPull } = await import('./rematch-after-pull.js');
        await rematchAfterPull({ repo: options.repo, node: options.node, cacheDir, signer: options.signer, log: options.log });
      }
    },
  });
  metrics.gauge('stella_queue_depth', 'Jobs waiting in the queue', () => queue.depth());
  metrics.gauge('stella_feed_age_seconds', "Seconds since main's feeds last changed", () => watch.feedAgeSeconds(Date.now()));
  return {
    queue,
    worker,
    scheduler,
    watch,
    cacheDir,
    flushNotifications,
    close: async () => {
      if (flusher !== undefined) clearInterval(flusher);
      scheduler.stop();
      await queue.close();
      await memo.close();
      await closeScanCaches();
    },
  };
}

/** How often the service delivers the outbox: the granularity of a route's digest interval and of retries after a failed delivery. */
const FLUSH_INTERVAL_MS = 60_000;

/** Runs `flush` every minute, never two at once; the timer does not keep the process alive. */
function everyMinute(flush: () => Promise<void>): ReturnType<typeof setInterval> {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void flush().finally(() => (running = false));
  }, FLUSH_INTERVAL_MS);
  timer.unref();
  return timer;
}
