/**
 * `stella push` through the edge for a node without Git credentials: the
 * real CLI, the bundled Worker in Miniflare, a real `git http-backend`
 * behind it. The node's own commits stay local; the edge verifies each
 * report folder and commits it to agents/<node> itself.
 */
import * as fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitStore } from '../core/git/git-store.js';
import { reportFolder } from '../core/report/layout.js';
import { bundleTestWorker, edgeFixture, sampleReport, signedSubmission, startEdge, type EdgeFixture, type RunningEdge } from '../edge/edge-harness.test-helper.js';
import { pushThroughEdge } from '../agent/remote/edge-push.js';
import { cliEnv, runStella } from './helpers/cli.js';
import { fsckStrict, git } from './helpers/repo.js';

let fixture: EdgeFixture;
let edge: RunningEdge;
let work: string;

beforeAll(async () => {
  fixture = await edgeFixture();
  edge = await startEdge(await bundleTestWorker(), fixture.url);
  work = await mkdtemp(join(tmpdir(), 'stella-edge-push-'));
});
afterAll(async () => {
  await edge?.close();
  await fixture?.close();
  await rm(work, { recursive: true, force: true });
});

/** A clone of the state repository with one signed report folder per target committed locally on agents/n2. */
async function nodeClone(name: string, targets: string[]): Promise<string> {
  const dir = join(work, name);
  await git(work, 'clone', '--quiet', fixture.url, dir);
  const store = new GitStore({ fs, dir });
  const changes = new Map<string, Uint8Array>();
  for (const target of targets) {
    const body = await signedSubmission(fixture.keys.get('n2')!, 'n2', sampleReport(target));
    const folder = reportFolder('n2', target);
    changes.set(`${folder}/report.json`, new TextEncoder().encode(body.report));
    changes.set(`${folder}/sbom.cdx.json`, new TextEncoder().encode(body.sbom));
    changes.set(`${folder}/summary.md`, new TextEncoder().encode(body.summary));
    changes.set(`${folder}/report.sigstore.json`, new TextEncoder().encode(`${JSON.stringify(body.bundle)}\n`));
  }
  await store.commit({ branch: 'agents/n2', startFrom: 'main', changes, message: 'scan', author: { name: 'n2', email: 'n2@example.invalid' } });
  return dir;
}

describe('push through the edge', () => {
  it('stella push goes to the edge, not the Git remote, when the config names one and there are no Git credentials, and asks a node that never enrolled to enroll', async () => {
    const clone = await nodeClone('cli', ['api', 'worker']);
    const home = join(work, 'home');
    await fs.promises.mkdir(home, { recursive: true });
    await writeFile(join(home, 'config.yaml'), `edge: ${edge.url}\nnode: n2\n`);
    const result = await runStella(['--repo', clone, 'push', '--node', 'n2'], { env: cliEnv(work, { NODE_OPTIONS: '' }), cwd: clone });
    // The edge client needs this node's enrollment (its key and DPoP tokens): without one, nothing is sent.
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^stella: this node has not enrolled with an edge: run `stella agent enroll --edge URL --token T` first$/m);
    expect((await git(fixture.bare, 'for-each-ref', 'refs/heads/agents/n2')).trim()).toBe('');
  });

  it('posts each changed folder, waits for the commit, and a second push changes nothing', async () => {
    const clone = await nodeClone('api', ['api', 'worker']);
    const store = new GitStore({ fs, dir: clone });
    const fetchAsNode = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => fetch(url, { ...init, headers: { ...init.headers, 'x-test-node': 'n2' } });
    const first = await pushThroughEdge(store, { edge: edge.url, node: 'n2', fetch: fetchAsNode, pollMs: 20 });
    expect(first.reports.map((r) => [r.folder, r.status])).toEqual([
      ['findings/n2/api', 'committed'],
      ['findings/n2/worker', 'committed'],
    ]);
    const tip = (await git(fixture.bare, 'rev-parse', 'agents/n2')).trim();
    expect((await git(fixture.bare, 'ls-tree', '--name-only', 'agents/n2', 'findings/n2/')).trim().split('\n')).toEqual(['findings/n2/api', 'findings/n2/worker']);
    const again = await pushThroughEdge(store, { edge: edge.url, node: 'n2', fetch: fetchAsNode, pollMs: 20 });
    expect(again.reports.map((r) => r.commit)).toEqual(first.reports.map((r) => r.commit));
    expect((await git(fixture.bare, 'rev-parse', 'agents/n2')).trim()).toBe(tip);
    await fsckStrict(fixture.bare);
  });
});
