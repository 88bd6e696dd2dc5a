import { createHmac } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finding, imageReport } from '../../core/export/report.test-helper.js';
import type { Report } from '../../core/model/report.js';
import { cliEnv, runStella } from '../../test/helpers/cli.js';
import { tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import type { DeliveryOptions } from './deliver.js';
import { flushOutbox, notifyCommittedReport, outboxIn } from './notify.js';
import { startReceiver, type Receiver } from './receiver.test-helper.js';
import { appendToSettings } from './settings.test-helper.js';

const SECRET = 'route-secret-for-tests';
const kev = { dateAdded: '2024-01-10', dueDate: '2024-01-31', knownRansomwareCampaignUse: 'Unknown' as const };
const T0 = new Date('2026-06-01T10:00:00Z');

let receiver: Receiver;
let temp: TempRepo;

beforeEach(async () => {
  receiver = await startReceiver();
  temp = await tempRepo('edge-1');
});
afterEach(async () => {
  await receiver.close();
  await temp.cleanup();
});

/** Puts a `notify` section into stella.yaml on main, signed (or not). */
async function configure(routes: string, signed = true): Promise<void> {
  await appendToSettings(temp.repo, `notify:\n  routes:\n${routes}`, signed ? temp.key : undefined);
}

function report(target: string, findings: Report['findings']): Report {
  const r = imageReport([], findings);
  r.target.name = target;
  return r;
}

const failing = (id: string, purl: string) =>
  finding(id, purl, { severity: { level: 'CRITICAL', source: 'database', cvss: [] }, verdict: { verdict: 'fail', rule: 'critical', reason: 'severity is CRITICAL' } });

const delivery = (extra: Partial<DeliveryOptions> = {}): DeliveryOptions => ({ env: { STELLA_TEST_SECRET: SECRET }, now: T0, attempts: 3, baseDelayMs: 10, ...extra });
const setup = (extra: Partial<DeliveryOptions> = {}) => ({ repo: temp.repo, home: temp.home, delivery: delivery(extra) });
const commit = (previous: Report | undefined, current: Report, extra: Partial<DeliveryOptions> = {}) =>
  notifyCommittedReport(setup(extra), { previous, report: current, node: 'edge-1', folder: `findings/edge-1/${current.target.name}` });

describe('notifications of a committed report', () => {
  it('signs a webhook body with HMAC-SHA256 that node:crypto verifies, and lists new fail and KEV events', async () => {
    await configure(`    - name: security\n      type: webhook\n      url: ${receiver.url}/hook\n      secret-env: STELLA_TEST_SECRET\n`);
    const current = report('shop/web:2.1', [failing('GHSA-fail', 'pkg:npm/a@1.0.0'), finding('GHSA-kev', 'pkg:npm/b@1.0.0', { kev }), finding('GHSA-quiet', 'pkg:npm/c@1.0.0')]);
    const [result] = await commit(undefined, current);
    expect(result).toMatchObject({ route: 'security', sent: 2, kept: 0 });
    expect(receiver.received).toHaveLength(1);
    const { body, headers, path } = receiver.received[0]!;
    expect(path).toBe('/hook');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-stella-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
    expect(headers['x-stella-signature']).not.toBe(`sha256=${createHmac('sha256', 'another secret').update(body).digest('hex')}`);
    const payload = JSON.parse(body) as { schema: string; route: string; events: { kind: string; id: string; reason: string; rule?: string }[] };
    expect(payload.schema).toBe('stella.notify/v1');
    expect(payload.events.map((e) => [e.kind, e.id])).toEqual([['fail', 'GHSA-fail'], ['kev', 'GHSA-kev']]);
    expect(payload.events[0]).toMatchObject({ rule: 'critical', reason: 'severity is CRITICAL', target: 'shop/web:2.1', node: 'edge-1', purl: 'pkg:npm/a@1.0.0' });
    expect(await outboxIn(temp.home).pending('security')).toEqual([]);
  });

  it('refuses routes from a stella.yaml without a valid policies signature, sending nothing', async () => {
    await configure(`    - name: security\n      type: webhook\n      url: ${receiver.url}/hook\n      secret-env: STELLA_TEST_SECRET\n`, false);
    const current = report('app', [failing('GHSA-fail', 'pkg:npm/a@1.0.0')]);
    await expect(commit(undefined, current)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringMatching(/^stella\.yaml: /) as string });
    await expect(flushOutbox(setup())).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    expect(receiver.received).toEqual([]);
  });

  it('sends only what is new against the previous report of the target', async () => {
    await configure(`    - name: security\n      type: webhook\n      url: ${receiver.url}/hook\n      secret-env: STELLA_TEST_SECRET\n`);
    const before = report('app', [failing('GHSA-old', 'pkg:npm/a@1.0.0'), finding('GHSA-kev', 'pkg:npm/b@1.0.0', { kev })]);
    const after = report('app', [failing('GHSA-old', 'pkg:npm/a@1.0.0'), finding('GHSA-kev', 'pkg:npm/b@1.0.0', { kev }), failing('GHSA-new', 'pkg:npm/c@1.0.0')]);
    await commit(before, after);
    expect((JSON.parse(receiver.received[0]!.body) as { events: { id: string }[] }).events.map((e) => e.id)).toEqual(['GHSA-new']);
    await commit(after, after);
    expect(receiver.received).toHaveLength(1);
  });

  it('shapes Slack and Teams messages as their incoming webhooks expect', async () => {
    await configure(
      `    - name: chat\n      type: slack\n      url: ${receiver.url}/slack\n      on: [kev]\n` + `    - name: teams\n      type: teams\n      url-env: TEAMS_URL\n`,
    );
    await commit(undefined, report('app', [failing('GHSA-fail', 'pkg:npm/a@1.0.0'), finding('GHSA-kev', 'pkg:npm/<b>@1.0.0', { kev })]), {
      env: { TEAMS_URL: `${receiver.url}/teams` },
    });
    const slack = receiver.received.find((r) => r.path === '/slack');
    const teams = receiver.received.find((r) => r.path === '/teams');
    expect(slack?.headers['x-stella-signature']).toBeUndefined();
    const s = JSON.parse(slack?.body ?? '') as { text: string; blocks: { type: string; text?: { type: string; text: string } }[] };
    expect(s.text).toBe('Stella: 1 new KEV finding(s)');
    expect(s.blocks.map((b) => b.type)).toEqual(['header', 'section']);
    expect(s.blocks[0]?.text?.type).toBe('plain_text');
    expect(s.blocks[1]?.text).toEqual({ type: 'mrkdwn', text: expect.stringContaining('KEV GHSA-kev in pkg:npm/&lt;b&gt;@1.0.0 on app') });
    const t = JSON.parse(teams?.body ?? '') as { type: string; attachments: { contentType: string; content: { type: string; version: string; body: { type: string; facts?: { title: string; value: string }[] }[] } }[] };
    expect(t.type).toBe('message');
    expect(t.attachments).toHaveLength(1);
    expect(t.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(t.attachments[0]?.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(t.attachments[0]?.content.body.map((b) => b.type)).toEqual(['TextBlock', 'FactSet', 'FactSet']);
    expect(t.attachments[0]?.content.body[1]?.facts?.[0]).toEqual({ title: 'Failing', value: 'GHSA-fail (critical)' });
  });

  it('batches events of a route with a digest into one message once the interval has passed', async () => {
    await configure(`    - name: digest\n      type: webhook\n      url: ${receiver.url}/hook\n      secret-env: STELLA_TEST_SECRET\n      digest: 15m\n`);
    const first = await commit(undefined, report('one', [failing('GHSA-1', 'pkg:npm/a@1.0.0')]));
    expect(first[0]).toMatchObject({ sent: 0, waiting: 1, dueAt: new Date('2026-06-01T10:15:00Z') });
    // The same event queued again keeps one entry and its first queueing time.
    const again = await commit(undefined, report('one', [failing('GHSA-1', 'pkg:npm/a@1.0.0')]), { now: new Date('2026-06-01T10:05:00Z') });
    expect(again[0]).toMatchObject({ waiting: 1, dueAt: new Date('2026-06-01T10:15:00Z') });
    await commit(undefined, report('two', [failing('GHSA-2', 'pkg:npm/b@1.0.0')]), { now: new Date('2026-06-01T10:10:00Z') });
    expect(receiver.received).toHaveLength(0);
    const { deliveries } = await flushOutbox(setup({ now: new Date('2026-06-01T10:16:00Z') }));
    expect(deliveries[0]).toMatchObject({ sent: 2, waiting: 0 });
    expect(receiver.received).toHaveLength(1);
    expect((JSON.parse(receiver.received[0]!.body) as { events: { target: string }[] }).events.map((e) => e.target)).toEqual(['one', 'two']);
  });

  it('retries with backoff after the receiver answers 500, sending the same signed body', async () => {
    await configure(`    - name: security\n      type: webhook\n      url: ${receiver.url}/hook\n      secret-env: STELLA_TEST_SECRET\n`);
    receiver.answer(500, 503);
    const [result] = await commit(undefined, report('app', [failing('GHSA-1', 'pkg:npm/a@1.0.0')]));
    expect(result).toMatchObject({ sent: 1, kept: 0 });
    expect(receiver.received.map((r) => r.body)).toEqual(Array(3).fill(receiver.received[0]!.body));
    expect(new Set(receiver.received.map((r) => r.headers['x-stella-signature'])).size).toBe(1);
  });

  it('keeps undeliverable events in the outbox, and a new process delivers them with stella notify flush', async () => {
    await configure(`    - name: security\n      type: webhook\n      url: ${receiver.url}/hook\n      secret-env: STELLA_TEST_SECRET\n`);
    receiver.answer(500, 500, 500);
    const [result] = await commit(undefined, report('app', [failing('GHSA-1', 'pkg:npm/a@1.0.0'), finding('GHSA-2', 'pkg:npm/b@1.0.0', { kev })]));
    expect(result).toMatchObject({ sent: 0, kept: 2, error: `${receiver.url} answered 500 after 3 attempt(s)` });
    expect(await readdir(join(temp.home, 'notify', 'outbox', 'security'))).toHaveLength(2);
    const failedBody = receiver.received[0]!.body;

    const env = cliEnv(temp.root, { STELLA_HOME: temp.home, STELLA_TEST_SECRET: SECRET });
    const run = await runStella(['--repo', temp.repo.dir, 'notify', 'flush'], { env, cwd: temp.root });
    expect(run.stderr).toContain('notify flush: 2 event(s) sent, 0 kept for a later attempt');
    expect(run.code).toBe(0);
    expect(receiver.received).toHaveLength(4);
    const delivered = receiver.received[3]!;
    expect(delivered.body).toBe(failedBody);
    expect(delivered.headers['x-stella-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(delivered.body).digest('hex')}`);
    expect(await readdir(join(temp.home, 'notify', 'outbox', 'security'))).toEqual([]);
  });

  it('stella notify flush exits 1 while events stay undelivered (the secret is missing)', async () => {
    await configure(`    - name: security\n      type: webhook\n      url: ${receiver.url}/hook\n      secret-env: STELLA_TEST_SECRET\n`);
    await commit(undefined, report('app', [failing('GHSA-1', 'pkg:npm/a@1.0.0')]), { env: {} });
    const run = await runStella(['--repo', temp.repo.dir, 'notify', 'flush'], { env: cliEnv(temp.root, { STELLA_HOME: temp.home }), cwd: temp.root });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('notify security: 1 event(s) kept in the outbox (notify route security: $STELLA_TEST_SECRET (its HMAC secret) is not set)');
    expect(receiver.received).toHaveLength(0);
  });
});
