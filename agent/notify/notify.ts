/**
 * Notifications end to end: after a report is committed, its new events
 * (events.ts) are queued in the outbox for each route that wants them, and
 * everything due is delivered (deliver.ts) — including what earlier
 * deliveries could not send. `stella notify flush` delivers the outbox
 * alone. Routes come from `stella.yaml` on the state repository's main
 * branch (routes.ts); the outbox lives under `$STELLA_HOME/notify/outbox/`.
 *
 * @example
 *   const deliveries = await notifyCommittedReport(setup, { previous, report, node, folder });
 */
import { join } from 'node:path';
import { describeError } from '../../core/errors.js';
import type { Report } from '../../core/model/report.js';
import { signedSettings } from '../../core/policy/state-policy.js';
import type { Logger } from '../log.js';
import { MAIN_BRANCH, SETTINGS_PATH, type StateRepo } from '../repo/state-repo.js';
import { deliverRoute, type DeliveryOptions, type RouteDelivery } from './deliver.js';
import { newEvents } from './events.js';
import { Outbox } from './outbox.js';
import { parseNotifyRoutes, type NotifyRoute } from './routes.js';

/** Where routes and the outbox are, and how to send. */
export interface NotifySetup {
  repo: StateRepo;
  home: string;
  delivery: DeliveryOptions;
}

/**
 * The routes of `stella.yaml` on main (none without a `notify` section).
 * Routes say where findings are sent, so stella.yaml must carry the
 * `policies` role's signature, checked as for its `policy:` key; the trust
 * root is read only when there are routes.
 */
export async function readNotifyRoutes(repo: StateRepo, now: Date): Promise<NotifyRoute[]> {
  const tip = await repo.store.branchTip(MAIN_BRANCH);
  const bytes = tip === undefined ? undefined : await repo.store.readFile(tip, SETTINGS_PATH);
  if (tip === undefined || bytes === undefined) return [];
  const routes = parseNotifyRoutes(new TextDecoder().decode(bytes), SETTINGS_PATH);
  if (routes.length > 0) await signedSettings(repo.store, tip, { now });
  return routes;
}

/** The outbox under `home`. */
export function outboxIn(home: string): Outbox {
  return new Outbox(join(home, 'notify', 'outbox'));
}

/** Queues the new events of `report` for the routes that want them, then delivers what is due. */
export async function notifyCommittedReport(
  setup: NotifySetup,
  committed: { previous: Report | undefined; report: Report; node: string; folder: string },
): Promise<RouteDelivery[]> {
  const routes = await readNotifyRoutes(setup.repo, setup.delivery.now);
  if (routes.length === 0) return [];
  const events = newEvents(committed.previous, committed.report, committed);
  const outbox = outboxIn(setup.home);
  for (const route of routes) {
    const wanted = events.filter((e) => route.on.includes(e.kind));
    if (wanted.length > 0) await outbox.add(route.name, wanted, setup.delivery.now);
  }
  return deliverAll(routes, outbox, setup.delivery);
}

/** Where a scan that commits sends its notifications: the outbox's home and the log deliveries are reported to. */
export interface NotifyAfterCommit {
  home: string;
  log: Logger;
  env: NodeJS.ProcessEnv;
}

/**
 * Notifies after a committed report, never failing the scan: the report is
 * already committed, and what could not be sent waits in the outbox.
 * @example await notifyQuietly(repo, { home, log, env: process.env }, { previous, report, node, folder });
 */
export async function notifyQuietly(repo: StateRepo, notify: NotifyAfterCommit, committed: Parameters<typeof notifyCommittedReport>[1]): Promise<void> {
  try {
    logDeliveries(notify.log, await notifyCommittedReport({ repo, home: notify.home, delivery: { env: notify.env, now: new Date() } }, committed));
  } catch (error) {
    notify.log.warn(`notify: ${describeError(error)}`);
  }
}

/**
 * Delivers what waits in the outbox, never failing its caller (the agent's schedule, `--once`).
 * @example await flushQuietly(repo, { home, log, env: process.env });
 */
export async function flushQuietly(repo: StateRepo, notify: NotifyAfterCommit): Promise<void> {
  try {
    const { deliveries, orphaned } = await flushOutbox({ repo, home: notify.home, delivery: { env: notify.env, now: new Date() } });
    logDeliveries(notify.log, deliveries);
    for (const route of orphaned) notify.log.warn(`notify ${route}: events wait in the outbox for a route stella.yaml no longer has`, { route });
  } catch (error) {
    notify.log.warn(`notify: ${describeError(error)}`);
  }
}

/** Delivers what waits in the outbox; routes no longer configured keep their events and are named in `orphaned`. */
export async function flushOutbox(setup: NotifySetup): Promise<{ deliveries: RouteDelivery[]; orphaned: string[] }> {
  const routes = await readNotifyRoutes(setup.repo, setup.delivery.now);
  const outbox = outboxIn(setup.home);
  const names = new Set(routes.map((r) => r.name));
  const orphaned: string[] = [];
  for (const name of await outbox.routes()) if (!names.has(name) && (await outbox.pending(name)).length > 0) orphaned.push(name);
  return { deliveries: await deliverAll(routes, outbox, setup.delivery), orphaned };
}

async function deliverAll(routes: readonly NotifyRoute[], outbox: Outbox, options: DeliveryOptions): Promise<RouteDelivery[]> {
  const results: RouteDelivery[] = [];
  for (const route of routes) results.push(await deliverRoute(route, outbox, options));
  return results;
}

/** One log line per route that had something to do. */
export function logDeliveries(log: Logger, deliveries: readonly RouteDelivery[]): void {
  for (const d of deliveries) {
    if (d.sent > 0) log.info(`notify ${d.route}: sent ${d.sent} event(s)`, { ...d });
    if (d.waiting > 0) log.info(`notify ${d.route}: ${d.waiting} event(s) wait for the digest until ${d.dueAt?.toISOString() ?? ''}`, { ...d });
    if (d.kept > 0) log.warn(`notify ${d.route}: ${d.kept} event(s) kept in the outbox (${d.error ?? 'not delivered'}); \`stella notify flush\` retries`, { ...d });
  }
}
