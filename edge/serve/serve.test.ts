/**
 * The read side end to end: reports ingested through the bundled Worker in
 * Miniflare (a real `git http-backend` behind it), then files by commit
 * with ETag/304, the dashboard JSON behind the operator's login, and the
 * dashboard pages in headless Chromium (logging in through the form first;
 * keyboard and form use, a phone-sized screenshot saved).
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../core/model/report.js';
import { bundleTestWorker, edgeFixture, sampleReport, signedSubmission, startEdge, type EdgeFixture, type RunningEdge } from '../edge-harness.test-helper.js';
import { git } from '../../test/helpers/repo.js';

let fixture: EdgeFixture;
let edge: RunningEdge;
const DASHBOARD_SECRET = `serve-test-dashboard-${crypto.randomUUID()}`;

/** Logs in as the operator, as the login form would, and returns the session cookie (`name=value`). */
async function operatorCookie(): Promise<string> {
  const answer = await fetch(`${edge.url}/login`, { method: 'POST', redirect: 'manual', headers: { Origin: edge.url }, body: new URLSearchParams({ secret: DASHBOARD_SECRET }) });
  expect(answer.status).toBe(303);
  return (answer.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

function finding(id: string, level: Finding['severity']['level'], extra: Partial<Finding> = {}): Finding {
  return { id, aliases: [], purl: `pkg:npm/${id.toLowerCase()}@1.0.0`, name: id.toLowerCase(), installed: '1.0.0', severity: { level, source: 'database', cvss: [] }, ...extra };
}

async function ingest(node: string, body: unknown): Promise<void> {
  const answer = await fetch(`${edge.url}/v1/reports`, { method: 'POST', headers: { 'x-test-node': node }, body: JSON.stringify(body) });
  expect(answer.status).toBe(202);
  const { digest } = (await answer.json()) as { digest: string };
  for (;;) {
    const record = (await (await fetch(`${edge.url}/v1/reports/${digest}`, { headers: { 'x-test-node': node } })).json()) as { status: string };
    if (record.status !== 'accepted') {
      expect(record.status).toBe('committed');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  fixture = await edgeFixture();
  edge = await startEdge(await bundleTestWorker(), fixture.url, { DASHBOARD_SECRET });
  const key = fixture.keys.get('n1')!;
  const first = [finding('GHSA-OLD-1', 'HIGH'), finding('GHSA-KEEP-1', 'LOW')];
  await ingest('n1', await signedSubmission(key, 'n1', sampleReport('web', first), 1, new Date(Date.now() - 3_600_000)));
  const second = [
    finding('GHSA-KEEP-1', 'LOW'),
    finding('CVE-2021-44228', 'CRITICAL', { kev: { dateAdded: '2021-12-10', dueDate: '2021-12-24', knownRansomwareCampaignUse: 'Known' }, epss: { score: 0.975, percentile: 0.999 } }),
  ];
  await ingest('n1', await signedSubmission(key, 'n1', sampleReport('web', second), 2));
  await ingest('n2', await signedSubmission(fixture.keys.get('n2')!, 'n2', sampleReport('db', [finding('GHSA-DB-1', 'MEDIUM')])));
});
afterAll(async () => {
  await edge?.close();
  await fixture?.close();
});

describe('files by commit', () => {
  it('serves trust and settings files of a commit with a strong ETag, 304 on If-None-Match, and no findings', async () => {
    const refs = (await (await fetch(`${edge.url}/v1/state/refs`, { headers: { 'x-test-node': 'n1' } })).json()) as Record<string, string>;
    const main = (await git(fixture.bare, 'rev-parse', 'main')).trim();
    expect(refs['main']).toBe(main);
    const url = `${edge.url}/v1/state/${main}/files/trust/root.json`;
    const first = await fetch(url, { headers: { 'x-test-node': 'n1' } });
    expect(first.status).toBe(200);
    expect(await first.text()).toBe(await git(fixture.bare, 'show', `${main}:trust/root.json`));
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toBe(`"${(await git(fixture.bare, 'rev-parse', `${main}:trust/root.json`)).trim()}"`);
    const again = await fetch(url, { headers: { 'x-test-node': 'n1', 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const folder = await fetch(`${edge.url}/v1/state/${main}/files/trust`, { headers: { 'x-test-node': 'n1' } });
    expect(((await folder.json()) as { entries: { name: string }[] }).entries.map((e) => e.name)).toContain('root.json');
    const findings = await fetch(`${edge.url}/v1/state/${refs['agents/n1']}/files/findings/n1/web/report.json`, { headers: { 'x-test-node': 'n1' } });
    expect(findings.status).toBe(403);
    expect((await fetch(url)).status).toBe(401);
  });
});

describe('read-only Git through the edge', () => {
  it('lets a Git client fetch the state repository through the edge and refuses a push', async () => {
    const work = await mkdtemp(join(tmpdir(), 'stella-edge-git-'));
    try {
      const header = ['-c', 'http.extraHeader=x-test-node: n1'];
      await git(work, ...header, 'clone', '--quiet', '--no-checkout', `${edge.url}/v1/git`, 'clone');
      const clone = join(work, 'clone');
      expect((await git(clone, 'rev-parse', 'origin/agents/n1')).trim()).toBe((await git(fixture.bare, 'rev-parse', 'agents/n1')).trim());
      await git(clone, 'fsck', '--strict', '--no-dangling');
      const push = await git(clone, ...header, 'push', 'origin', 'origin/main:refs/heads/other').then(
        () => 'pushed',
        (error: Error) => error.message,
      );
      expect(push).toMatch(/403/);
      expect(await git(fixture.bare, 'for-each-ref', 'refs/heads/other')).toBe('');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('dashboard', () => {
  it('lists nodes, targets with severities and verification, and the diff between two scans, to a logged-in operator only', async () => {
    expect((await fetch(`${edge.url}/v1/dashboard/nodes`)).status).toBe(401);
    const headers = { cookie: await operatorCookie() };
    const nodes = (await (await fetch(`${edge.url}/v1/dashboard/nodes`, { headers })).json()) as { node: string; targets: number; lastReportAt?: string }[];
    expect(nodes.map((n) => [n.node, n.targets])).toEqual([
      ['n1', 1],
      ['n2', 1],
    ]);
    const targets = (await (await fetch(`${edge.url}/v1/dashboard/targets`, { headers })).json()) as { slug: string; verification: { $case: string }; kev: number; severities: Record<string, number> }[];
    expect(targets.find((t) => t.slug === 'web')).toMatchObject({ verification: { $case: 'verified' }, kev: 1, severities: { CRITICAL: 1, LOW: 1 } });
    const detail = (await (await fetch(`${edge.url}/v1/dashboard/targets/n1/web`, { headers })).json()) as { history: { commit: string }[] };
    expect(detail.history).toHaveLength(2);
    const [to, from] = detail.history.map((h) => h.commit);
    const diff = (await (await fetch(`${edge.url}/v1/dashboard/targets/n1/web/diff?from=${from}&to=${to}`, { headers })).json()) as { added: Finding[]; fixed: Finding[]; unchanged: number };
    expect(diff.added.map((f) => f.id)).toEqual(['CVE-2021-44228']);
    expect(diff.fixed.map((f) => f.id)).toEqual(['GHSA-OLD-1']);
    expect(diff.unchanged).toBe(1);
  });

  it('works in headless Chromium with the keyboard, on a phone-sized screen, after logging in through the form', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'stella-chromium-'));
    const artifacts = join(tmpdir(), 'stella-artifacts');
    await mkdir(artifacts, { recursive: true });
    let browser: BrowserContext | undefined;
    try {
      // A fresh profile (user data dir) per run, so nothing from another run leaks in.
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        viewport: { width: 390, height: 844 },
      });
      const page = await browser.newPage();
      // Not logged in: the dashboard sends the browser to the login form, which sends it back.
      await page.goto(`${edge.url}/`);
      await page.waitForURL(/\/login\?next=%2F$/);
      expect(await page.title()).toContain('Log in');
      await page.screenshot({ path: join(artifacts, 'edge-dashboard-login.png'), fullPage: true });
      await page.getByLabel('Dashboard secret').fill('not the secret');
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('that is not the dashboard secret');
      await page.getByLabel('Dashboard secret').fill(DASHBOARD_SECRET);
      await page.getByLabel('Dashboard secret').press('Enter');
      await page.waitForURL(`${edge.url}/`);
      const [session] = await browser.cookies(edge.url);
      expect(session).toMatchObject({ name: 'stella_session', httpOnly: true, sameSite: 'Strict' });
      expect(await page.evaluate(() => document.cookie)).toBe('');
      expect(await page.title()).toContain('Overview');
      const nodes = page.getByRole('table', { name: /Nodes/ });
      await expect.poll(() => nodes.getByRole('rowheader').allTextContents()).toEqual(['n1', 'n2']);
      expect(await page.getByRole('row', { name: /web/ }).textContent()).toContain('verified');

      // Keyboard only: the skip link first, then into the target's page.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
      await page.getByRole('link', { name: 'web' }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/targets\/n1\/web$/);
      const findings = page.getByRole('table', { name: /Findings/ });
      expect(await findings.getByRole('row').nth(1).textContent()).toMatch(/critical.*CVE-2021-44228.*since 2021-12-10.*97\.5 %/);

      await page.getByLabel('Show severity').selectOption('LOW');
      await page.getByRole('button', { name: 'Filter' }).press('Enter');
      await page.waitForURL(/severity=LOW/);
      expect(await page.getByRole('table', { name: /Findings/ }).getByRole('row').count()).toBe(2);

      await page.getByRole('button', { name: 'Compare' }).click();
      await page.waitForURL(/\/diff\?/);
      expect(await page.getByRole('table', { name: 'New findings (1)' }).textContent()).toContain('CVE-2021-44228');
      expect(await page.getByRole('table', { name: 'Fixed findings (1)' }).textContent()).toContain('GHSA-OLD-1');
      // Readable on a phone: nothing wider than the screen but the scrollable tables.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const shot = join(artifacts, 'edge-dashboard-diff.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect((await stat(shot)).size).toBeGreaterThan(1000);

      // Logging out ends the session: the dashboard asks for the secret again.
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(/\/login$/);
      expect(await browser.cookies(edge.url)).toEqual([]);
      await page.goto(`${edge.url}/targets/n1/web`);
      await page.waitForURL(/\/login\?next=/);
    } finally {
      await browser?.close();
      await rm(profile, { recursive: true, force: true });
    }
  });
});
