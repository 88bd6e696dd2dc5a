/**
 * `stella agent --once`: for cron, systemd timers and CI. Pulls (when the
 * clone has a remote or the config an edge), runs every job a crash left in the queue and every
 * scheduled scan that is due, pushes, delivers the notification outbox,
 * and returns. Failed jobs make the
 * exit code non-zero.
 *
 * @example const failed = await runOnce({ repo, node, dataDir, queueMax, log, signer, pushKey });
 */
import { ORIGIN } from '../remote/remote.js';
import { openRuntime, type RuntimeOptions } from './runtime.js';

/** Runs once (see the module comment); returns how many jobs failed. */
export async function runOnce(options: RuntimeOptions): Promise<number> {
  const { queue, worker, scheduler, watch, flushNotifications, close } = await openRuntime(options);
  try {
    // An edge in the config is a remote too: a node without Git credentials pulls and pushes through it.
    const hasRemote = options.edge !== undefined || (await options.repo.store.getConfig(`remote.${ORIGIN}.url`)) !== undefined;
    if (hasRemote) await queue.enqueue({ kind: 'pull', source: 'once' });
    else options.log.info('no remote (remote.origin.url) and no edge: not pulling or pushing');
    // The pull first (so the schedule is main's newest), with any job a crash left behind.
    await worker.drain();
    await scheduler.reload(false);
    await watch.refresh();
    const due = await scheduler.dueScans(new Date());
    for (const entry of due) await scheduler.enqueueScan(entry, 'once');
    if (hasRemote) await queue.enqueue({ kind: 'push', source: 'once' });
    await worker.drain();
    // What earlier runs could not send, and digests now due: cron runs of --once are the only delivery there is.
    await flushNotifications();
    options.log.info(`once: ${due.length} scheduled scans due${worker.failures > 0 ? `; ${worker.failures} jobs failed` : ''}`, { due: due.length, failed: worker.failures });
    return worker.failures;
  } finally {
    await close();
  }
}
