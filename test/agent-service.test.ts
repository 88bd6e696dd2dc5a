/**
 * `stella agent` as a real process on a random loopback port, over a real
 * state repository (`stella init`, the example npm advisories imported) and
 * the real test images: the API end to end, the report byte-identical to the
 * CLI's, the token, SIGTERM, and a full queue.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, submitScan, waitForScan, type AgentProcess } from './helpers/agent.js';
import { cliEnv, runStella } from './helpers/cli.js';
import { imagesDir, projectRoot } from './helpers/paths.js';
import { git } from './helpers/repo.js';

const NODE = 'agent-1';
const IMAGE = join(imagesDir, 'debian-node.oci.tar');
let root: string;
let state: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-agent-'));
  state = join(root, 'state');
  env = cliEnv(root);
  expect((await runStella(['init', state, '--node', NODE], { env, cwd: root })).code).toBe(0);
  expect((await runStella(['--repo', state, 'feed', 'import', join(projectRoot, 'examples', 'advisories', 'npm')], { env, cwd: root })).code).toBe(0);
});
afterAll(() => rm(root, { recursive: true, force: true }));

function agentArgs(dataDir: string, ...extra: string[]): string[] {
  return ['--repo', state, 'agent', '--port', '0', '--data-dir', join(root, dataDir), ...extra];
}

describe('stella agent: the HTTP API', () => {
  let agent: AgentProcess;
  beforeAll(async () => {
    agent = await startAgent(agentArgs('api'), { env });
  });
  afterAll(async () => {
    await agent.stop();
  });

  it('scans through POST /v1/scans, commits the report, and the report is byte-identical to `stella scan --format json`', async () => {
    const accepted = await agent.request('/v1/scans', { method: 'POST', body: JSON.stringify({ target: IMAGE, commit: true }) });
    expect(accepted.status).toBe(202);
    const { id, status } = (await accepted.json()) as { id: string; status: string };
    expect(status).toBe('queued');
    const scan = await waitForScan(agent, id);
    expect(scan).toMatchObject({ id, status: 'done', target: IMAGE, summary: { HIGH: 6, MEDIUM: 1 } });
    const report = scan['report'] as { commit: string; branch: string; path: string };
    expect(report.branch).toBe(`agents/${NODE}`);
    expect((await git(state, 'rev-parse', `agents/${NODE}`)).trim()).toBe(report.commit);
    expect(await git(state, 'log', '-1', '--format=%(trailers:key=Stella-Scan-Id,valueonly)', report.commit)).toContain(id);

    const committed = await git(state, 'show', `${report.commit}:${report.path}`);
    const out = join(root, 'cli-report.json');
    const cli = await runStella(['--repo', state, 'scan', '--format', 'json', '-o', out, IMAGE], { env, cwd: root });
    expect(cli.code).toBe(0);
    expect(committed).toBe(await readFile(out, 'utf8'));
  });

  it.each(['debian-node.docker.tar', 'debian-node.oci', 'debian-base.oci.tar'])('scans %s without committing', async (image) => {
    const id = await submitScan(agent, { target: join(imagesDir, image), commit: false });
    const scan = await waitForScan(agent, id);
    expect(scan['status']).toBe('done');
    expect(scan['report']).toBeUndefined();
    expect(Object.keys(scan['summary'] as object).sort()).toEqual(['CRITICAL', 'HIGH', 'LOW', 'MEDIUM', 'UNKNOWN']);
  });

  it('a target that does not exist fails with the reason', async () => {
    const id = await submitScan(agent, { target: join(root, 'missing.tar') });
    expect(await waitForScan(agent, id)).toMatchObject({ status: 'failed', error: expect.stringContaining('no such file or folder') });
  });

  it('lists targets and filters findings by severity, target and id', async () => {
    const targets = (await (await agent.request('/v1/targets')).json()) as { targets: { target: string; lastScan: unknown }[] };
    expect(targets.targets.map((t) => t.target)).toContain(IMAGE);
    const high = (await (await agent.request(`/v1/findings?severity=high&target=${encodeURIComponent(IMAGE)}`)).json()) as { findings: { id: string; severity: string }[] };
    expect(high.findings).toHaveLength(6);
    expect(high.findings.every((f) => f.severity === 'HIGH')).toBe(true);
    const one = high.findings[0] as { id: string };
    const byId = (await (await agent.request(`/v1/findings?id=${one.id}`)).json()) as { findings: { id: string }[] };
    expect(byId.findings.length).toBeGreaterThan(0);
    expect(byId.findings.every((f) => f.id === one.id)).toBe(true);
  });

  it('answers /healthz, /readyz, /metrics and /openapi.json', async () => {
    expect(await (await agent.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await agent.request('/readyz')).json()).toEqual({ status: 'ready', checks: { index: 'ok', stateRepo: 'ok' } });
    const metrics = await (await agent.request('/metrics')).text();
    expect(metrics).toMatch(/^stella_scans_total\{outcome="done"\} [1-9]/m);
    expect(metrics).toMatch(/^stella_scans_total\{outcome="failed"\} 1$/m);
    expect(metrics).toMatch(/^stella_scan_duration_seconds_count [1-9]/m);
    expect(metrics).toMatch(/^stella_queue_depth 0$/m);
    expect(metrics).toMatch(/^stella_feed_age_seconds \d+$/m);
    expect(metrics).toMatch(/^stella_layer_cache_misses_total [1-9]/m);
    expect(((await (await agent.request('/openapi.json')).json()) as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('answers a rescan of an unchanged image from the layer cache', async () => {
    const counter = async (name: string): Promise<number> => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(await (await agent.request('/metrics')).text())?.[1]);
    const [hits, misses] = [await counter('stella_layer_cache_hits_total'), await counter('stella_layer_cache_misses_total')];
    const id = await submitScan(agent, { target: IMAGE });
    expect(await waitForScan(agent, id)).toMatchObject({ status: 'done' });
    expect(await counter('stella_layer_cache_misses_total')).toBe(misses);
    expect(await counter('stella_layer_cache_hits_total')).toBeGreaterThanOrEqual(hits);
  });

  it('answers problem documents: 400 naming the field, 404 for an unknown scan id or path', async () => {
    const bad = await agent.request('/v1/scans', { method: 'POST', body: JSON.stringify({ target: IMAGE, commit: 'yes' }) });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await bad.json()).toMatchObject({ status: 400, field: 'commit' });
    const unknown = await agent.request('/v1/scans/00000000-0000-0000-0000-000000000000');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 404, type: expect.stringContaining('scan-not-found') });
    expect((await agent.request('/v2/nothing')).headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('stella agent: token, SIGTERM, full queue', () => {
  it('refuses a non-loopback address without a token, in one line', async () => {
    const run = await runStella(agentArgs('refuse', '--host', '0.0.0.0'), { env, cwd: root });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('not a loopback address');
    expect(run.stderr).toContain('STELLA_AGENT_TOKEN');
  });

  it('with a token, answers 401 without it and 200 with it; /healthz stays open', async () => {
    const token = 'a-test-token-of-32-characters-xx';
    const agent = await startAgent(agentArgs('token'), { env: { ...env, STELLA_AGENT_TOKEN: token } });
    try {
      const denied = await agent.request('/v1/targets');
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toContain('Bearer');
      expect(denied.headers.get('content-type')).toBe('application/problem+json');
      expect((await agent.request('/v1/targets', { headers: { Authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
      expect((await agent.request('/metrics')).status).toBe(401);
      expect((await agent.request('/v1/targets', { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await agent.request('/healthz')).status).toBe(200);
    } finally {
      await agent.stop();
    }
  });

  it('on SIGTERM during a scan, exits within 10 s; the job is done, or requeued and completed after a restart', async () => {
    const agent = await startAgent(agentArgs('sigterm'), { env });
    const id = await submitScan(agent, { target: IMAGE, commit: false });
    while (((await (await agent.request(`/v1/scans/${id}`)).json()) as { status: string }).status === 'queued') await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    const end = await agent.stop();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(end).toEqual({ code: 0, signal: null });
    const again = await startAgent(agentArgs('sigterm'), { env });
    try {
      expect(await waitForScan(again, id)).toMatchObject({ status: 'done' });
    } finally {
      await again.stop();
    }
  });

  it('answers 429 with Retry-After when the queue is full; every accepted job survives a restart and completes', async () => {
    const held = await startAgent(agentArgs('full', '--queue-max', '2'), { env: { ...env, STELLA_FAILPOINT: 'worker:hold' } });
    const ids = [await submitScan(held, { target: IMAGE }), await submitScan(held, { target: IMAGE, name: 'second' })];
    const full = await held.request('/v1/scans', { method: 'POST', body: JSON.stringify({ target: IMAGE }) });
    expect(full.status).toBe(429);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await full.json()).toMatchObject({ status: 429, type: expect.stringContaining('queue-full') });
    held.child.kill('SIGKILL');
    await held.exited;
    const agent = await startAgent(agentArgs('full', '--queue-max', '2'), { env });
    try {
      for (const id of ids) expect(await waitForScan(agent, id)).toMatchObject({ status: 'done' });
    } finally {
      await agent.stop();
    }
  });
});
