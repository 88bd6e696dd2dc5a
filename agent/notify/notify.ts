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
import type { Report } from '../../core/model/report.js';
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

/** The routes of `stella.yaml` on main (none without a `notify` section). */
export async function readNotifyRoutes(repo: StateRepo): Promise<NotifyRoute[]> {
  const tip = await repo.store.branchTip(MAIN_BRANCH);
  const bytes = tip === undefined ? undefined : await repo.store.readFile(tip, SETTINGS_PATH);
  return bytes === undefined ? [] : parseNotifyRoutes(new TextDecoder().decode(bytes), SETTINGS_PATH);
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
  const routes = await readNotifyRoutes(setup.repo);
  if (routes.length === 0) return [];
  const events = newEvents(committed.previous, committed.report, committed);
  const outbox = outboxIn(setup.home);
  for (const route of routes) {
    const wanted = events.filter((e) => route.on.includes(e.kind));
    if (wanted.length > 0) await outbox.add(route.name, wanted, setup.delivery.now);
  }
  return deliverAll(routes, outbox, setup.delivery);
}

/** Delivers what waits in the outbox; routes no longer configured keep their events and are named in `orphaned`. */
export async function flushOutbox(setup: NotifySetup): Promise<{ deliveries: RouteDelivery[]; orphaned: string[] }> {
  const routes = await readNotifyRoutes(setup.repo);
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
