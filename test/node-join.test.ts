/**
 * `stella node join` as a new node's operator runs it, through the real CLI:
 * over smart HTTP against a real `git http-backend` on loopback, and from a
 * bundle carried over an air gap. In both, the admin runs the printed enroll
 * line in their own clone and publishes main, the node brings it in, and a
 * report committed by the node verifies. A plain `git clone` of what the
 * node published verifies too: `stella verify` checks the remote-tracking
 * agents/* branches, where a clone keeps the nodes' reports.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub } from '../agent/forge/fake-github.test-helper.js';
import { cliEnv, runStella, type CliRun } from './helpers/cli.js';
import { publishBare, startGitHttpServer, type GitHttpServer } from './helpers/git-http-server.js';
import { git } from './helpers/repo.js';

let root: string;
let server: GitHttpServer;
let sbom: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-node-join-'));
  server = await startGitHttpServer();
  sbom = join(root, 'app.cdx.json');
  await writeFile(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'left-pad', version: '1.0.0', purl: 'pkg:npm/left-pad@1.0.0' }] }));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

/** One person's machine: their own STELLA_HOME (keys), and the clone they work in. */
function machine(name: string, repo: string, extra: NodeJS.ProcessEnv = {}): (args: string[]) => Promise<CliRun> {
  const env = { ...cliEnv(join(root, name)), STELLA_REPO: repo, ...extra };
  return (args) => runStella(args, { env, cwd: root });
}

/** The admin's state repository, with its own node `hq`. */
async function adminRepo(name: string): Promise<{ dir: string; admin: (args: string[]) => Promise<CliRun> }> {
  const dir = join(root, name);
  const admin = machine(`${name}-home`, dir);
  expect((await admin(['init', dir, '--node', 'hq'])).code).toBe(0);
  return { dir, admin };
}

/** The enroll line the join printed, checked to be one `stella trust enroll` command, as argv. */
function enrollLine(joined: CliRun, node: string): string[] {
  const lines = joined.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const words = (lines[0] as string).split(' ');
  expect(words.slice(0, 5)).toEqual(['stella', 'trust', 'enroll', '--node', node]);
  expect(words[5]).toBe('--key');
  expect(existsSync(words[6] as string)).toBe(true);
  return words.slice(1);
}

function ok(run: CliRun): void {
  expect(run.code, run.stderr).toBe(0);
}

describe('stella node join', () => {
  it('over HTTP: clones, configures, prints the enroll line; after the admin enrolls and pushes, the node pulls, commits a report and verifies', async () => {
    const { dir: adminDir, admin } = await adminRepo('admin-http');
    const { url, dir: bare } = await publishBare(server, adminDir, 'state.git');
    await git(adminDir, 'remote', 'add', 'origin', url);

    const nodeDir = join(root, 'edge-2');
    const node = machine('edge-2-home', nodeDir);
    const joined = await node(['node', 'join', url, '--node', 'edge-2', nodeDir]);
    ok(joined);
    const enroll = enrollLine(joined, 'edge-2');
    expect(await git(nodeDir, 'config', 'stella.node')).toBe('edge-2\n');
    const keyId = (await git(nodeDir, 'config', 'stella.signingkey')).trim();
    expect(await readdir(join(root, 'edge-2-home', 'home', 'keys'))).toEqual(expect.arrayContaining([`${keyId}.pem`, `${keyId}.pub.pem`]));
    expect((await git(nodeDir, 'config', 'remote.origin.url')).trim()).toBe(url);
    expect(await git(nodeDir, 'status', '--porcelain')).toBe('');
    expect((await git(nodeDir, 'rev-parse', 'main')).trim()).toBe((await git(bare, 'rev-parse', 'main')).trim());

    // Not enrolled yet: committing refuses and names the same line.
    const early = await node(['scan', '--commit', sbom]);
    expect(early.code).not.toBe(0);
    expect(early.stderr).toContain(enroll.join(' '));

    ok(await admin(enroll));
    await git(adminDir, 'push', '-q', 'origin', 'main');
    ok(await node(['pull']));
    ok(await node(['scan', '--commit', sbom]));
    const verified = await node(['verify']);
    ok(verified);
    expect(verified.stderr).toMatch(/verified: 1 reports/);
    ok(await node(['push']));

    // A plain git clone keeps agents/edge-2 as origin/agents/edge-2 only; verify still finds the report.
    const plain = join(root, 'plain-http');
    await git(root, 'clone', '-q', url, plain);
    const inClone = await machine('reader-home', plain)(['verify']);
    ok(inClone);
    expect(inClone.stderr).toMatch(/origin\/agents\/edge-2/);
    expect(inClone.stderr).toMatch(/verified: 1 reports/);
  });

  it('with a forge: pushes enroll/<node> holding only the pending root that adds the key, and opens the pull request an admin signs and merges', async () => {
    const { dir: adminDir, admin } = await adminRepo('admin-forge');
    const { url, dir: bare } = await publishBare(server, adminDir, 'forge-state.git');
    await git(adminDir, 'remote', 'add', 'origin', url);
    const token = 'ghp_JoinTokenVALUE0123456789abcdef';
    const github = await startFakeGitHub({ token, repository: 'acme/state', branches: ['main', 'enroll/edge-4'] });
    try {
      const nodeDir = join(root, 'edge-4');
      const node = machine('edge-4-home', nodeDir, { STELLA_FORGE_TOKEN: token });
      const joined = await node(['node', 'join', url, '--node', 'edge-4', '--repo-slug', 'acme/state', '--api-url', github.apiUrl, nodeDir]);
      ok(joined);
      const [enroll, prUrl] = joined.stdout.trim().split('\n');
      expect(enroll).toMatch(/^stella trust enroll --node edge-4 --key /);
      expect(prUrl).toBe('https://github.example/acme/state/pull/1');
      expect(joined.stderr).not.toContain(token);
      const keyId = (await git(nodeDir, 'config', 'stella.signingkey')).trim();

      expect(github.pulls).toHaveLength(1);
      const pull = github.pulls[0];
      expect(pull).toMatchObject({ head: 'enroll/edge-4', base: 'main', title: 'Enroll node edge-4', state: 'open' });
      expect(pull?.body).toContain(keyId);
      expect(pull?.body).toContain('stella trust sign --branch enroll/edge-4');
      expect(pull?.body).toContain('stella trust enroll --node edge-4 --key edge-4.pub.pem');

      // On the server: one commit on main, changing trust/root.pending.json only, which adds the key unsigned.
      const main = (await git(bare, 'rev-parse', 'main')).trim();
      expect((await git(bare, 'rev-parse', 'enroll/edge-4^')).trim()).toBe(main);
      expect((await git(bare, 'diff', '--name-status', 'main', 'enroll/edge-4')).trim()).toBe('A\ttrust/root.pending.json');
      const pending = JSON.parse(await git(bare, 'show', 'enroll/edge-4:trust/root.pending.json')) as { signed: { version: number; nodes: Record<string, { keyids: string[] }> }; signatures: unknown[] };
      expect(pending.signed.version).toBe(2);
      expect(pending.signed.nodes['edge-4']?.keyids).toEqual([keyId]);
      expect(pending.signatures).toEqual([]);

      // The admin follows the body: signs on the branch, then merges it; the node's reports then verify.
      await git(adminDir, 'fetch', '-q', 'origin', 'enroll/edge-4:enroll/edge-4');
      ok(await admin(['trust', 'sign', '--branch', 'enroll/edge-4']));
      await git(adminDir, 'push', '-q', 'origin', 'enroll/edge-4:main');
      ok(await node(['pull']));
      ok(await node(['scan', '--commit', sbom]));
      ok(await node(['verify']));
    } finally {
      await github.close();
    }
  });

  it('refuses --forge for a bundle, and a forge without a token, before cloning anything', async () => {
    const node = machine('forge-refused-home', join(root, 'never'));
    const bundle = await node(['node', 'join', join(root, 'site.bundle'), '--node', 'edge-8', '--forge', 'github', join(root, 'never')]);
    expect(bundle.code).not.toBe(0);
    expect(bundle.stderr).toContain('a join from a bundle has no remote to push the enrollment to');
    const noToken = await node(['node', 'join', `${server.url}/state.git`, '--node', 'edge-8', '--forge', 'github', join(root, 'never')]);
    expect(noToken.code).not.toBe(0);
    expect(noToken.stderr).toContain('no API token: set STELLA_FORGE_TOKEN or GITHUB_TOKEN');
    expect(existsSync(join(root, 'never'))).toBe(false);
  });

  it('from a bundle: seeds the clone; the admin enrolls and exports the news; the node imports it, commits a report and verifies', async () => {
    const { admin } = await adminRepo('admin-gap');
    const site = join(root, 'site.bundle');
    ok(await admin(['sync', 'export', '-o', site]));

    const nodeDir = join(root, 'site');
    const node = machine('edge-3-home', nodeDir);
    // No DIR: named after the bundle, as git clone names its folder.
    const joined = await node(['node', 'join', 'site.bundle', '--node', 'edge-3']);
    ok(joined);
    const enroll = enrollLine(joined, 'edge-3');
    expect(await git(nodeDir, 'config', 'stella.node')).toBe('edge-3\n');
    expect(await git(nodeDir, 'status', '--porcelain')).toBe('');

    ok(await admin(enroll));
    const next = join(root, 'next.bundle');
    ok(await admin(['sync', 'export', '--since', site, '-o', next]));
    ok(await node(['sync', 'import', next]));
    ok(await node(['scan', '--commit', sbom]));
    ok(await node(['verify']));

    // The node's bundle, cloned by native git: the report is on origin/agents/edge-3 only.
    const back = join(root, 'from-node.bundle');
    ok(await node(['sync', 'export', '-o', back]));
    const plain = join(root, 'plain-bundle');
    await git(root, 'clone', '-q', back, plain);
    expect(await git(plain, 'branch', '--list')).not.toContain('agents/edge-3');
    const inClone = await machine('bundle-reader-home', plain)(['verify']);
    ok(inClone);
    expect(inClone.stderr).toMatch(/verified: 1 reports/);
  });

  it('skips remote-tracking branches whose tip a local branch already has, and says so', async () => {
    const { dir: adminDir, admin } = await adminRepo('admin-dedupe');
    ok(await admin(['scan', '--commit', sbom]));
    const clone = join(root, 'dedupe-clone');
    await git(root, 'clone', '-q', adminDir, clone);
    await git(clone, 'branch', '-q', 'agents/hq', 'origin/agents/hq');
    const run = await machine('dedupe-reader', clone)(['verify']);
    ok(run);
    expect(run.stderr).toMatch(/1 remote-tracking branches skipped, their tip is already checked: origin\/agents\/hq \(= agents\/hq\)/);
    expect(run.stderr).toMatch(/verified: 1 reports/);
  });

  it('a join that fails leaves no folder and no key behind, and a non-empty folder is refused', async () => {
    const node = machine('failed-home', join(root, 'nowhere'));
    const missing = await node(['node', 'join', `${server.url}/missing.git`, '--node', 'edge-9', join(root, 'nowhere')]);
    expect(missing.code).not.toBe(0);
    expect(existsSync(join(root, 'nowhere'))).toBe(false);
    expect(existsSync(join(root, 'failed-home', 'home', 'keys'))).toBe(false);
    expect((await readdir(root)).filter((name) => name.includes('stella-join'))).toEqual([]);

    const taken = await node(['node', 'join', join(root, 'site.bundle'), '--node', 'edge-9', join(root, 'admin-gap')]);
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toContain('already exists and is not empty');
    const ftp = await node(['node', 'join', 'ftp://host/state.git', '--node', 'edge-9']);
    expect(ftp.code).not.toBe(0);
    expect(ftp.stderr).toContain('only http(s):// repository URLs and bundle files');
  });
});
