/**
 * `stella agent`: the long-lived service. Opens the runtime, serves the
 * API, runs the schedule, and on SIGTERM (or SIGINT) stops taking work,
 * finishes or requeues the running job and returns within 10 s.
 *
 * @example await serveAgent({ settings, repo, node, log, signer, pushKey });
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from '../log.js';
import { createApp } from './app.js';
import { openRuntime, type RuntimeOptions } from './runtime.js';
import type { ServiceSettings } from './settings.js';

/** Time the running job gets to finish after SIGTERM before it is requeued. */
const STOP_GRACE_MS = 7_000;
/** Past this, the process exits whatever is still open (the job is already requeued). */
const HARD_EXIT_MS = 9_500;

export interface ServeOptions extends Omit<RuntimeOptions, 'dataDir' | 'queueMax' | 'timers'> {
  settings: ServiceSettings;
  log: Logger;
}

/** Runs the service until SIGTERM/SIGINT (see the module comment). */
export async function serveAgent(options: ServeOptions): Promise<void> {
  const { settings, log } = options;
  const runtime = await openRuntime({ ...options, dataDir: settings.dataDir, queueMax: settings.queueMax, timers: true });
  let accepting = true;
  await runtime.scheduler.reload();
  const app = createApp({
    queue: runtime.queue,
    ...(settings.token === undefined ? {} : { token: settings.token }),
    ready: () => runtime.watch.readiness(),
    targets: () => runtime.scheduler.schedule.scans.map((s) => ({ name: s.name, target: s.target, commit: s.commit, cron: s.cron })),
    accepting: () => accepting,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: settings.host, port: settings.port }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  log.info(`stella agent for node ${options.node} listening on http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`, {
    event: 'listening',
    host: settings.host,
    port,
    dataDir: settings.dataDir,
    pid: process.pid,
  });
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info(`${signal}: taking no new work; finishing the running job`, { event: 'stopping', signal });
      accepting = false;
      setTimeout(() => process.exit(0), HARD_EXIT_MS).unref();
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // Before the first job: a scan opens the advisory index itself, and LevelDB allows one opener at a time.
  await runtime.watch.refresh();
  const working = accepting ? runtime.worker.run() : Promise.resolve();
  await stopped;
  runtime.scheduler.stop();
  server.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
  await runtime.worker.stop(STOP_GRACE_MS);
  await Promise.race([working, new Promise((resolve) => setTimeout(resolve, 100))]);
  await runtime.close();
  log.info('stopped', { event: 'stopped' });
}
