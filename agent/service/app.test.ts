import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { OPENAPI } from './openapi.js';
import { JobQueue } from './queue.js';

let dir: string;
let queue: JobQueue;
let accepting = true;
const TOKEN = 'unit-test-token-0123456789';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-app-'));
  queue = await JobQueue.open(join(dir, 'queue'), { max: 1 });
});
afterAll(async () => {
  await queue.close();
  await rm(dir, { recursive: true, force: true });
});

function app(token?: string): ReturnType<typeof createApp> {
  return createApp({
    queue,
    ...(token === undefined ? {} : { token }),
    ready: async () => ({ ready: false, checks: { index: 'not loaded yet', stateRepo: 'ok' } }),
    targets: () => [],
    accepting: () => accepting,
    retryAfter: () => 7,
  });
}

async function problem(res: Response): Promise<Record<string, unknown>> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as Record<string, unknown>;
}

describe('the agent API (app.request)', () => {
  it.each([
    ['{not json', 'body'],
    ['[1]', 'body'],
    ['{}', 'target'],
    ['{"target": ""}', 'target'],
    ['{"target": 7}', 'target'],
    ['{"target": "a.tar", "commit": "yes"}', 'commit'],
    ['{"target": "a.tar", "name": "a/b"}', 'name'],
    ['{"target": "a.tar", "extra": 1}', 'extra'],
  ])('POST /v1/scans %s → 400 naming %s', async (body, field) => {
    const res = await app().request('/v1/scans', { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ status: 400, field, type: 'https://stella-mesh.dev/problems/invalid-request', detail: expect.stringContaining(`${field}:`) });
  });

  it('GET /v1/findings with an unknown severity → 400 naming severity', async () => {
    const res = await app().request('/v1/findings?severity=HIGH,SEVERE');
    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ field: 'severity', detail: expect.stringContaining("'SEVERE'") });
  });

  it('an unknown scan id and an unknown path → 404 problems', async () => {
    expect(await problem(await app().request('/v1/scans/nope'))).toMatchObject({ status: 404, type: 'https://stella-mesh.dev/problems/scan-not-found' });
    expect(await problem(await app().request('/elsewhere'))).toMatchObject({ status: 404 });
  });

  it('with a token: 401 without it or with another, through with it; health and the document stay open', async () => {
    const secured = app(TOKEN);
    const missing = await secured.request('/v1/targets');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="stella-agent"');
    expect(await problem(missing)).toMatchObject({ status: 401 });
    expect((await secured.request('/v1/targets', { headers: { Authorization: 'Bearer another-token-000000000' } })).status).toBe(401);
    expect((await secured.request('/metrics')).status).toBe(401);
    expect((await secured.request('/v1/targets', { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await secured.request('/healthz')).status).toBe(200);
    expect((await secured.request('/openapi.json')).status).toBe(200);
  });

  it('/readyz answers 503 naming what is not ready', async () => {
    const res = await app().request('/readyz');
    expect(res.status).toBe(503);
    expect(await problem(res)).toMatchObject({ detail: expect.stringContaining('index: not loaded yet'), checks: { stateRepo: 'ok' } });
  });

  it('accepts a scan durably (202), refuses a second with 429 and Retry-After when full, and 503 when stopping', async () => {
    const accepted = await app().request('/v1/scans', { method: 'POST', body: '{"target": "a.tar", "commit": true}' });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    expect(queue.get(id)).toMatchObject({ status: 'queued', target: 'a.tar', commit: true });
    expect(await (await app().request(`/v1/scans/${id}`)).json()).toMatchObject({ id, status: 'queued', target: 'a.tar' });
    const full = await app().request('/v1/scans', { method: 'POST', body: '{"target": "b.tar"}' });
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('7');
    expect(await problem(full)).toMatchObject({ type: 'https://stella-mesh.dev/problems/queue-full' });
    accepting = false;
    expect((await app().request('/v1/scans', { method: 'POST', body: '{"target": "c.tar"}' })).status).toBe(503);
    accepting = true;
  });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with every $ref resolving and a response for every operation', () => {
    expect(OPENAPI.openapi).toBe('3.1.0');
    const refs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === 'object' && value !== null) {
        for (const [key, inner] of Object.entries(value)) (key === '$ref' ? refs.push(inner as string) : walk(inner));
      }
    };
    walk(OPENAPI);
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) {
      const target = ref.replace(/^#\//, '').split('/').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], OPENAPI);
      expect(target, ref).toBeDefined();
    }
    for (const [path, item] of Object.entries(OPENAPI.paths)) {
      for (const [method, operation] of Object.entries(item)) expect(Object.keys((operation as { responses: object }).responses).length, `${method} ${path}`).toBeGreaterThan(0);
    }
  });

  it('describes every route the app serves', () => {
    const routes = app()
      .routes.filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(OPENAPI.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    expect([...new Set(routes)].sort()).toEqual(documented.sort());
  });
});

describe('GET /v1/scans/:id?wait= (a long poll)', () => {
  let waitQueue: JobQueue;
  beforeAll(async () => {
    waitQueue = await JobQueue.open(join(dir, 'wait-queue'), { max: 10 });
  });
  afterAll(() => waitQueue.close());
  const waitApp = (): ReturnType<typeof createApp> =>
    createApp({ queue: waitQueue, ready: async () => ({ ready: true, checks: {} }), targets: () => [], accepting: () => true });

  it.each(['soon', '-1', '1.5', '30001'])('wait=%s → 400 naming wait', async (wait) => {
    const { id } = await waitQueue.enqueue({ kind: 'scan', source: 'api', target: 'w.tar' });
    const res = await waitApp().request(`/v1/scans/${id}?wait=${wait}`);
    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ field: 'wait' });
  });

  it('answers with the scan as it ends; a wait that runs out answers with the status then', async () => {
    const accepted = await waitApp().request('/v1/scans', { method: 'POST', body: '{"target": "long.tar"}' });
    const { id } = (await accepted.json()) as { id: string };
    expect(await (await waitApp().request(`/v1/scans/${id}?wait=1`)).json()).toMatchObject({ id, status: 'queued' });
    const answer = waitApp().request(`/v1/scans/${id}?wait=30000`);
    while ((await waitQueue.take())?.id !== id);
    await waitQueue.finish(id, { status: 'done', summary: { HIGH: 1 } });
    expect(await (await answer).json()).toMatchObject({ id, status: 'done', summary: { HIGH: 1 } });
  });
});
