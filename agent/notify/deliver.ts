/**
 * Sending what waits in the outbox. Per route: once its digest interval has
 * passed since the oldest waiting event (at once with no digest), every
 * waiting event goes in one message (at most MAX_BATCH a message), POSTed
 * as JSON. Webhook bodies carry `X-Stella-Signature: sha256=<hex>`, the
 * HMAC-SHA256 of the exact body bytes under the route's secret, so the
 * receiver can check who sent them. A network error, a timeout, 429 or a
 * 5xx is retried with exponential backoff (`baseDelayMs`, ×2 each time);
 * when every attempt fails — or the receiver refuses with another 4xx —
 * the events stay in the outbox for the next delivery.
 *
 * @example
 *   const result = await deliverRoute(route, outbox, { env: process.env, now: new Date() });
 */
import { createHmac } from 'node:crypto';
import { describeError } from '../../core/errors.js';
import type { Outbox } from './outbox.js';
import { renderPayload } from './payloads.js';
import { routeSecret, routeUrl, type NotifyRoute } from './routes.js';

/** How to send. */
export interface DeliveryOptions {
  env: NodeJS.ProcessEnv;
  now: Date;
  /** Send whatever waits, digest interval or not (`stella notify flush --all`). */
  ignoreDigest?: boolean;
  /** Attempts per message (default 4). */
  attempts?: number;
  /** First retry delay (default 500 ms); doubles each retry. */
  baseDelayMs?: number;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  userAgent?: string;
}

/** What happened to one route's events. */
export interface RouteDelivery {
  route: string;
  sent: number;
  /** Waiting for the digest interval, until `dueAt`. */
  waiting: number;
  dueAt?: Date;
  /** Still in the outbox after a failed delivery, and why. */
  kept: number;
  error?: string;
}

const MAX_BATCH = 100;

/** Delivers what is due for `route` (see the module comment); never throws for a receiver's failure. */
export async function deliverRoute(route: NotifyRoute, outbox: Outbox, options: DeliveryOptions): Promise<RouteDelivery> {
  const result: RouteDelivery = { route: route.name, sent: 0, waiting: 0, kept: 0 };
  let pending = await outbox.pending(route.name);
  const oldest = pending[0];
  if (oldest === undefined) return result;
  const dueAt = new Date(oldest.queuedAt.getTime() + route.digestMs);
  if (options.ignoreDigest !== true && dueAt.getTime() > options.now.getTime()) return { ...result, waiting: pending.length, dueAt };
  while (pending.length > 0) {
    const batch = pending.slice(0, MAX_BATCH);
    const error = await send(route, renderPayload(route, batch.map((e) => e.event)), options);
    if (error !== undefined) return { ...result, kept: pending.length, error };
    await outbox.remove(route.name, batch);
    result.sent += batch.length;
    pending = pending.slice(batch.length);
  }
  return result;
}

/** The signature header's value for `body` under `secret`. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** POSTs `body` with retries; undefined when accepted, else the last failure in words. */
async function send(route: NotifyRoute, body: string, options: DeliveryOptions): Promise<string | undefined> {
  let url: string;
  let secret: string | undefined;
  try {
    url = routeUrl(route, options.env);
    secret = routeSecret(route, options.env);
  } catch (error) {
    return describeError(error);
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': options.userAgent ?? 'stella' };
  if (secret !== undefined) headers['x-stella-signature'] = signBody(body, secret);
  const attempts = options.attempts ?? 4;
  const doFetch = options.fetch ?? fetch;
  let failure = '';
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep((options.baseDelayMs ?? 500) * 2 ** (attempt - 1));
    try {
      const response = await doFetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return undefined;
      failure = `${safeUrl(url)} answered ${response.status}`;
      if (response.status !== 429 && response.status < 500) return `${failure}; not retried`;
    } catch (error) {
      failure = `${safeUrl(url)}: ${describeError(error)}`;
    }
  }
  return `${failure} after ${attempts} attempt(s)`;
}

/** The URL without its path and query: for Slack and Teams those are the credential. */
function safeUrl(url: string): string {
  return new URL(url).origin;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
