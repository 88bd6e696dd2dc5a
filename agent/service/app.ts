/**
 * The agent's HTTP API (Hono). Everything it needs is passed in, so tests
 * can call `app.request()` without a port; `server.ts` serves it. Every
 * error is an RFC 9457 problem document.
 *
 *   POST /v1/scans        {target, commit} → 202 {id, status: 'queued'}; 429 + Retry-After when the queue is full
 *   GET  /v1/scans/:id    the job: status, target, summary, report, error (?wait=MS: answer when it ends, or after MS)
 *   GET  /v1/targets      scheduled targets and the last scan of each target
 *   GET  /v1/findings     findings of the last scans (?severity=HIGH,CRITICAL&target=…&id=…)
 *   GET  /healthz /readyz /metrics /openapi.json
 *
 * @example
 *   const app = createApp({ queue, token, ready, targets, accepting: () => true });
 *   const res = await app.request('/healthz');
 */
import { Hono } from 'hono';
import { describeError, isStellaError } from '../../core/errors.js';
import { REPORT_FILE } from '../../core/report/layout.js';
import { requireToken } from './auth.js';
import type { JobRecord } from './job.js';
import { metrics } from './metrics.js';
import { OPENAPI } from './openapi.js';
import { Problem, problemResponse } from './problem.js';
import type { JobQueue } from './queue.js';
import { parseScanRequest, parseSeverityFilter, parseWait } from './requests.js';

/** A target the schedule names. */
export interface ScheduledTarget {
  name: string;
  target: string;
  commit: boolean;
  cron: string;
}

/** One readiness check's verdict. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export interface AppDeps {
  queue: JobQueue;
  /** Bearer token required under /v1/ and /metrics; none on loopback without one. */
  token?: string;
  ready: () => Promise<Readiness>;
  targets: () => ScheduledTarget[];
  /** False once SIGTERM arrived: new scans are refused with 503. */
  accepting: () => boolean;
  /** Seconds a client should wait after a 429. */
  retryAfter?: () => number;
}

/** Builds the app (see the module comment). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof Problem) return problemResponse(c, error);
    return problemResponse(c, new Problem(500, 'internal', 'Internal error', describeError(error)));
  });
  app.notFound((c) => problemResponse(c, new Problem(404, 'not-found', 'Not found', `${c.req.method} ${c.req.path}: no such resource (see /openapi.json)`)));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const readiness = await deps.ready();
    if (!readiness.ready) throw new Problem(503, 'not-ready', 'Not ready', Object.entries(readiness.checks).map(([k, v]) => `${k}: ${v}`).join('; '), { checks: readiness.checks });
    return c.json({ status: 'ready', checks: readiness.checks });
  });
  app.get('/openapi.json', (c) => c.json(OPENAPI));
  app.use('/metrics', requireToken(deps.token));
  app.get('/metrics', (c) => c.body(metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }));

  app.use('/v1/*', requireToken(deps.token));
  app.post('/v1/scans', async (c) => {
    if (!deps.accepting()) throw new Problem(503, 'shutting-down', 'Shutting down', 'the agent is stopping and takes no new jobs; retry against it after its restart', {}, { 'Retry-After': '10' });
    const request = parseScanRequest(await c.req.text());
    let job: JobRecord;
    try {
      job = await deps.queue.enqueue({ kind: 'scan', source: 'api', ...request });
    } catch (error) {
      if (isStellaError(error) && error.code === 'QUEUE_FULL') {
        const seconds = deps.retryAfter?.() ?? 5;
        throw new Problem(429, 'queue-full', 'Queue full', error.message, {}, { 'Retry-After': String(seconds) });
      }
      throw error;
    }
    c.header('Location', `/v1/scans/${job.id}`);
    // What was true on acceptance: the worker may already hold the same record and have marked it running.
    return c.json({ id: job.id, status: 'queued' }, 202);
  });
  app.get('/v1/scans/:id', async (c) => {
    const id = c.req.param('id');
    const wait = parseWait(c.req.query('wait'));
    const found = deps.queue.get(id);
    if (found === undefined || found.kind !== 'scan') throw new Problem(404, 'scan-not-found', 'No such scan', `no scan has the id '${id.slice(0, 80)}'`);
    // A long poll: a client hears of the end when it happens, not at its next poll.
    await deps.queue.settled(id, wait);
    return c.json(scanView(deps.queue.get(id) ?? found));
  });
  app.get('/v1/targets', async (c) => {
    const latest = new Map((await deps.queue.latest()).map((state) => [state.target, state]));
    const scheduled = deps.targets();
    const rows = scheduled.map((t) => ({ ...t, lastScan: lastScanOf(latest.get(t.target)) }));
    for (const [target, state] of latest) {
      if (!scheduled.some((t) => t.target === target)) rows.push({ name: state.name, target, commit: state.report !== undefined, cron: '', lastScan: lastScanOf(state) });
    }
    return c.json({ targets: rows.map(({ cron, ...rest }) => (cron === '' ? rest : { ...rest, cron })) });
  });
  app.get('/v1/findings', async (c) => {
    const severities = parseSeverityFilter(c.req.query('severity'));
    const target = c.req.query('target');
    const id = c.req.query('id');
    const findings = (await deps.queue.latest())
      .filter((state) => target === undefined || state.target === target || state.name === target)
      .flatMap((state) => state.findings)
      .filter((f) => (severities === undefined || severities.has(f.severity)) && (id === undefined || f.id === id));
    return c.json({ findings });
  });
  return app;
}

/** What `GET /v1/scans/:id` shows of a job. */
function scanView(job: JobRecord): Record<string, unknown> {
  return {
    id: job.id,
    status: job.status,
    target: job.target,
    commit: job.commit === true,
    ...(job.summary === undefined ? {} : { summary: job.summary }),
    ...(job.report === undefined ? {} : { report: { ...job.report, path: `${job.report.folder}/${REPORT_FILE}` } }),
    ...(job.error === undefined ? {} : { error: job.error }),
    createdAt: job.createdAt,
    ...(job.startedAt === undefined ? {} : { startedAt: job.startedAt }),
    ...(job.finishedAt === undefined ? {} : { finishedAt: job.finishedAt }),
    attempts: job.attempts,
  };
}

function lastScanOf(state: { scanId: string; scannedAt: string; summary: Record<string, number> } | undefined): Record<string, unknown> | null {
  return state === undefined ? null : { id: state.scanId, at: state.scannedAt, summary: state.summary };
}
