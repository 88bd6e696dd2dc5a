/**
 * `stella scan --commit` notifies the routes of stella.yaml: a real feed
 * (an npm advisory from the shared OSV data, the shared CISA KEV catalog),
 * a real scan of an SBOM, a signed webhook received on loopback.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../agent/notify/receiver.test-helper.js';
import { outboxIn } from '../agent/notify/notify.js';
import { appendToSettings } from '../agent/notify/settings.test-helper.js';
import { loadKey } from '../agent/repo/keystore.js';
import { openStateRepo } from '../agent/repo/state-repo.js';
import { startAgent, submitScan, waitForScan } from './helpers/agent.js';
import { cliEnv, runStella } from './helpers/cli.js';
import { sharedData } from './helpers/paths.js';

const SECRET = 'cli-notify-secret';
const ADVISORY = 'GHSA-jpcq-cgw6-v4j6.json'; // jquery < 3.5.0, CVE-2020-11023, listed in CISA KEV

let root: string;
let receiver: Receiver;
let env: NodeJS.ProcessEnv;
const state = () => join(root, 'state');
const stella = (...args: string[]) => runStella(['--repo', state(), ...args], { env, cwd: root });

async function sbom(name: string, version: string): Promise<string> {
  const file = join(root, `${name}.cdx.json`);
  const components = [{ type: 'library', name: 'jquery', version, purl: `pkg:npm/jquery@${version}`, 'bom-ref': 'jquery' }];
  await writeFile(file, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, components }));
  return file;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-notify-cli-'));
  receiver = await startReceiver();
  env = cliEnv(root, { STELLA_NODE: 'n1', STELLA_NOTIFY_SECRET: SECRET });
  expect((await runStella(['init', state()], { env, cwd: root })).code).toBe(0);
  const advisories = join(root, 'advisories');
  const zip = unzipSync(new Uint8Array(readFileSync(join(sharedData, 'osv', 'npm', 'all.zip'))), { filter: (f) => f.name === ADVISORY });
  await mkdir(advisories);
  await writeFile(join(advisories, ADVISORY), zip[ADVISORY] ?? new Uint8Array());
  expect((await stella('feed', 'import', advisories)).code).toBe(0);
  expect((await stella('feed', 'import', join(sharedData, 'kev', 'known_exploited_vulnerabilities.json'))).code).toBe(0);
  const repo = await openStateRepo(state());
  const routes = `notify:\n  routes:\n    - name: security\n      type: webhook\n      url: ${receiver.url}/stella\n      secret-env: STELLA_NOTIFY_SECRET\n`;
  // Signed by the key `stella init` made, which holds the policies role: routes come only from a signed stella.yaml.
  await appendToSettings(repo, routes, await loadKey(join(root, 'home'), repo.signingKeyId ?? ''));
}, 120_000);

afterAll(async () => {
  await receiver.close();
  await rm(root, { recursive: true, force: true });
});

describe('stella scan --commit notifies', () => {
  it('sends a new KEV finding once, signed, and nothing for a rescan or a version that keeps the flaw', async () => {
    const first = await stella('scan', await sbom('app', '3.4.1'), '--name', 'app', '--commit', '--format', 'json');
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('notify security: sent 1 event(s)');
    expect(receiver.received).toHaveLength(1);
    const { body, headers } = receiver.received[0]!;
    expect(headers['x-stella-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
    const payload = JSON.parse(body) as { events: { kind: string; id: string; aliases: string[]; purl: string; target: string; node: string }[] };
    expect(payload.events).toHaveLength(1);
    expect(payload.events[0]).toMatchObject({ kind: 'kev', id: 'GHSA-jpcq-cgw6-v4j6', purl: 'pkg:npm/jquery@3.4.1', target: 'app', node: 'n1' });
    expect(payload.events[0]?.aliases).toContain('CVE-2020-11023');

    expect((await stella('scan', await sbom('app', '3.4.1'), '--name', 'app', '--commit', '--format', 'json')).code).toBe(0);
    expect((await stella('scan', await sbom('app', '3.4.0'), '--name', 'app', '--commit', '--format', 'json')).code).toBe(0);
    expect(receiver.received).toHaveLength(1);
  }, 120_000);
});

describe('the agent service notifies', () => {
  it('sends a new KEV finding of a scan job committed through the API', async () => {
    const agent = await startAgent(['--repo', state(), 'agent', '--port', '0', '--data-dir', join(root, 'agent-data'), '--node', 'n1'], { env, cwd: root });
    try {
      const before = receiver.received.length;
      const id = await submitScan(agent, { target: await sbom('service-app', '3.4.1'), name: 'service-app', commit: true });
      expect(await waitForScan(agent, id)).toMatchObject({ status: 'done' });
      expect(receiver.received).toHaveLength(before + 1);
      const payload = JSON.parse(receiver.received[before]?.body ?? '') as { events: { kind: string; id: string; target: string; node: string }[] };
      expect(payload.events).toEqual([expect.objectContaining({ kind: 'kev', id: 'GHSA-jpcq-cgw6-v4j6', target: 'service-app', node: 'n1' })]);
      expect(agent.log()).toContain('notify security: sent 1 event(s)');
    } finally {
      await agent.stop();
    }
  }, 120_000);

  it('--once delivers what waits in the outbox', async () => {
    const event = { kind: 'kev' as const, node: 'n1', target: 'waiting', folder: 'findings/n1/waiting', id: 'GHSA-wait', aliases: [], purl: 'pkg:npm/w@1.0.0', severity: 'HIGH' as const, reason: 'listed in CISA KEV' };
    await outboxIn(join(root, 'home')).add('security', [event], new Date(Date.now() - 60_000));
    const before = receiver.received.length;
    const once = await runStella(['--repo', state(), 'agent', '--once', '--data-dir', join(root, 'once-data'), '--node', 'n1'], { env, cwd: root });
    expect(once.code, once.stderr).toBe(0);
    expect(receiver.received).toHaveLength(before + 1);
    expect((JSON.parse(receiver.received[before]?.body ?? '') as { events: { id: string }[] }).events.map((e) => e.id)).toEqual(['GHSA-wait']);
    expect(await outboxIn(join(root, 'home')).pending('security')).toEqual([]);
  }, 120_000);
});
