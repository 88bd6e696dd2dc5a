/**
 * The whole edge path with nothing made up for the test: the real Worker
 * (edge/worker.ts, requireAgent, DPoP-bound tokens) in Miniflare, a real
 * `git http-backend` on loopback as its Git remote (the only holder of the
 * Git credentials), and the real `stella` CLI for every person and node:
 * the admin creates the state repository and an enrollment token; the node
 * enrolls; the admin signs and merges the proposal the edge committed on
 * enroll/<node>; the node, whose clone holds no Git credentials, scans a
 * real image and pushes through the edge. Native git and `stella verify`
 * then check what the edge committed. Last, the agent service itself
 * (`stella agent --once`) pulls and pushes through the edge the same way.
 */
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEdge, type LocalEdge } from '../edge/test-support/miniflare.test-helper.js';
import { cliEnv, runStella, type CliRun } from './helpers/cli.js';
import { startGitHttpServer, type GitHttpServer } from './helpers/git-http-server.js';
import { imagesDir } from './helpers/paths.js';
import { fsckStrict, git } from './helpers/repo.js';

const NODE = 'edge-e2e';
const GIT_AUTH = { username: 'edge', password: 'git-secret-e2e' };

let root: string;
let server: GitHttpServer;
let bare: string;
let edge: LocalEdge;
// The admin's and the node's machines, set up by the first test and used by the next.
let adminDir: string;
let admin: Machine;
let nodeDir: string;
let node: Machine;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-edge-e2e-'));
  // The Git server asks for credentials that only the edge has.
  server = await startGitHttpServer({ auth: GIT_AUTH });
  bare = await server.createBare('state.git');
  edge = await startLocalEdge({ secrets: { GIT_REMOTE_URL: `${server.url}/state.git`, GIT_USERNAME: GIT_AUTH.username, GIT_PASSWORD: GIT_AUTH.password } });
});
afterAll(async () => {
  await edge?.close();
  await server?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

/** One person's machine: its own STELLA_HOME and the clone it works in. */
interface Machine {
  env: NodeJS.ProcessEnv;
  run: (args: string[]) => Promise<CliRun>;
}

function machine(name: string, repo: string, extra: NodeJS.ProcessEnv = {}): Machine {
  const env = { ...cliEnv(join(root, name)), STELLA_REPO: repo, ...extra };
  return { env, run: (args) => runStella(args, { env, cwd: root }) };
}

/**
 * The edge's enrollment flow as people run it: a one-time token, `stella agent enroll` on the node,
 * then the admin signs the proposal the edge committed on enroll/<node> and merges it into main.
 * Returns the node's key id.
 */
async function enrollAndMerge(admin: Machine, node: Machine, adminDir: string, name: string): Promise<string> {
  const token = ok(await admin.run(['edge', 'token', 'create', '--node', name, '--edge', edge.url])).stdout.trim();
  const [enrolledAs, keyId] = ok(await node.run(['agent', 'enroll', '--edge', edge.url, '--token', token])).stdout.trim().split(' ');
  expect(enrolledAs).toBe(name);
  // The key takes effect only when the admin signs and merges the edge's proposal.
  const mainBefore = (await git(bare, 'rev-parse', 'main')).trim();
  expect((await git(bare, 'rev-parse', `enroll/${name}^`)).trim()).toBe(mainBefore);
  await git(adminDir, 'fetch', '-q', 'origin', `+enroll/${name}:enroll/${name}`);
  ok(await admin.run(['trust', 'sign', '--branch', `enroll/${name}`]));
  await git(adminDir, 'push', '-q', 'origin', `enroll/${name}:main`);
  await git(adminDir, 'merge', '-q', '--ff-only', `enroll/${name}`);
  const trustRoot = JSON.parse(await git(bare, 'show', 'main:trust/root.json')) as { signed: { nodes: Record<string, { keyids: string[] }> } };
  expect(trustRoot.signed.nodes[name]?.keyids).toEqual([keyId]);
  return keyId as string;
}

function ok(run: CliRun): CliRun {
  expect(run.code, run.stderr).toBe(0);
  return run;
}

describe('the edge end to end: real Worker, real git http-backend, real CLI', () => {
  it('enrolls a node, merges its key, takes its scans through DPoP-authenticated pushes, and leaves a repository that verifies', async () => {
    // The admin: a state repository with its own node, published to the bare repository the edge writes to.
    adminDir = join(root, 'admin');
    admin = machine('admin-home', adminDir, { STELLA_EDGE_ADMIN_SECRET: edge.secrets.ADMIN_SECRET });
    ok(await admin.run(['init', adminDir, '--node', 'hq']));
    await git(adminDir, 'remote', 'add', 'origin', bare);
    await git(adminDir, 'push', '-q', 'origin', 'main');

    // Enrollment: a one-time token from the operator, used once by the node; the admin signs and merges the proposal.
    nodeDir = join(root, 'node');
    node = machine('node-home', nodeDir);
    const keyId = await enrollAndMerge(admin, node, adminDir, NODE);

    // The node: a copy of the state repository (no Git credentials anywhere), edge: URL in its config.
    await git(root, 'clone', '-q', bare, nodeDir);
    await git(nodeDir, 'remote', 'set-url', 'origin', `${server.url}/state.git`);
    await git(nodeDir, 'config', 'stella.node', NODE);
    await git(nodeDir, 'config', 'stella.signingkey', keyId);
    await writeFile(node.env['STELLA_CONFIG'] as string, `edge: ${edge.url}\n`);
    ok(await node.run(['scan', '--commit', '--name', 'base', join(imagesDir, 'debian-base.oci.tar')]));
    ok(await node.run(['scan', '--commit', '--name', 'node-app', join(imagesDir, 'debian-node.oci.tar')]));

    // Without the edge the node cannot reach the Git remote at all.
    const direct = await node.run(['push', '--remote', `${server.url}/state.git`]);
    expect(direct.code).not.toBe(0);

    const pushed = ok(await node.run(['push']));
    expect(pushed.stderr).toMatch(/sent 2 reports of agents\/edge-e2e through the edge .*: 2 committed/);
    const branch = `agents/${NODE}`;
    const tip = (await git(bare, 'rev-parse', branch)).trim();
    expect((await git(bare, 'ls-tree', '--name-only', branch, `findings/${NODE}/`)).trim().split('\n')).toEqual([`findings/${NODE}/base`, `findings/${NODE}/node-app`]);
    // Each report arrived exactly once: one commit adds each report, none touches it again.
    for (const target of ['base', 'node-app']) {
      const touching = (await git(bare, 'log', '--format=%H', `main..${branch}`, '--', `findings/${NODE}/${target}/report.json`)).trim().split('\n');
      expect(touching).toHaveLength(1);
    }
    // The node's own commits never left the node: the edge wrote agents/<node> itself.
    expect(tip).not.toBe((await git(nodeDir, 'rev-parse', branch)).trim());

    // A second push sends the same folders; the edge dedupes them and commits nothing.
    ok(await node.run(['push']));
    expect((await git(bare, 'rev-parse', branch)).trim()).toBe(tip);

    await fsckStrict(bare);
    const reader = join(root, 'reader');
    await git(root, 'clone', '-q', bare, reader);
    const verified = ok(await machine('reader-home', reader).run(['verify']));
    expect(verified.stderr).toMatch(/verified: 2 reports/);
  });

  it("pulls main through the edge's read-only Git window with the DPoP client, for a node without Git credentials", async () => {
    // The admin enrolls another node: main moves on (a new trust root version).
    const other = machine('other-home', join(root, 'other'));
    const otherKey = await enrollAndMerge(admin, other, adminDir, `${NODE}-2`);
    const main = (await git(bare, 'rev-parse', 'main')).trim();
    expect((await git(nodeDir, 'rev-parse', 'main')).trim()).not.toBe(main);

    // The Git remote itself wants credentials the node does not have.
    const direct = await node.run(['pull', '--remote', `${server.url}/state.git`]);
    expect(direct.code).not.toBe(0);
    expect((await git(nodeDir, 'rev-parse', 'main')).trim()).not.toBe(main);

    const pulled = ok(await node.run(['pull']));
    expect(pulled.stderr).toContain(`pulled from ${edge.url}/v1/git: main → ${main.slice(0, 12)}`);
    expect((await git(nodeDir, 'rev-parse', 'main')).trim()).toBe(main);
    // The work tree followed: the trust root on disk is the merged one.
    const onDisk = JSON.parse(await readFile(join(nodeDir, 'trust', 'root.json'), 'utf8')) as { signed: { nodes: Record<string, { keyids: string[] }> } };
    expect(onDisk.signed.nodes[`${NODE}-2`]?.keyids).toEqual([otherKey]);
    expect(await git(nodeDir, 'status', '--porcelain')).toBe('');
    ok(await node.run(['verify']));

    // Pulling again finds nothing new.
    const again = ok(await node.run(['pull']));
    expect(again.stderr).toMatch(/main up-to-date/);
  });

  it('runs `stella agent --once` through the edge: main\'s new schedule pulled (admitted), the due scan committed and its report on agents/<node>', async () => {
    // The admin schedules a scan of a new target for the node: main moves on.
    const schedule = `nodes/${NODE}/schedule.yaml`;
    await mkdir(join(adminDir, 'nodes', NODE), { recursive: true });
    await writeFile(join(adminDir, schedule), ['targets:', `  again:\n    target: ${join(imagesDir, 'debian-base.oci.tar')}`, 'scans:', '  - target: again', '    cron: "0 0 1 1 *"', ''].join('\n'));
    await git(adminDir, 'add', schedule);
    await git(adminDir, '-c', 'user.name=Ops', '-c', 'user.email=ops@example.invalid', 'commit', '-q', '-m', `schedule for ${NODE}`);
    await git(adminDir, 'push', '-q', 'origin', 'main');
    const main = (await git(bare, 'rev-parse', 'main')).trim();
    const branch = `agents/${NODE}`;
    const before = (await git(bare, 'rev-parse', branch)).trim();

    // The node still holds no Git credentials: the scheduled pull and push choose the edge, as `stella pull`/`push` do.
    const once = ok(await node.run(['agent', '--once', '--data-dir', join(root, 'agent-data')]));
    expect(once.stderr).toContain(`pulled from ${edge.url}/v1/git: main → ${main.slice(0, 12)}`);
    expect((await git(nodeDir, 'rev-parse', 'main')).trim()).toBe(main);
    expect(await readFile(join(nodeDir, schedule), 'utf8')).toContain('again:');
    expect(once.stderr).toMatch(/sent 3 reports of agents\/edge-e2e through the edge .*: 3 committed/);

    // The new report arrived on agents/<node>, once, in a commit the edge made on top of what was there.
    const tip = (await git(bare, 'rev-parse', branch)).trim();
    expect((await git(bare, 'rev-parse', `${tip}^`)).trim()).toBe(before);
    expect((await git(bare, 'ls-tree', '--name-only', branch, `findings/${NODE}/`)).trim().split('\n')).toEqual([`findings/${NODE}/again`, `findings/${NODE}/base`, `findings/${NODE}/node-app`]);
    const touching = (await git(bare, 'log', '--format=%H', `main..${branch}`, '--', `findings/${NODE}/again/report.json`)).trim().split('\n');
    expect(touching).toHaveLength(1);
    await fsckStrict(bare);
  });

  it("holds the agent's pull through the edge to the same admission as any pull: a main that brings a symlink is refused, and nothing moves", async () => {
    const before = (await git(nodeDir, 'rev-parse', 'main')).trim();
    await symlink('/etc/passwd', join(adminDir, 'nodes', 'escape'));
    await git(adminDir, 'add', join('nodes', 'escape'));
    await git(adminDir, '-c', 'user.name=Ops', '-c', 'user.email=ops@example.invalid', 'commit', '-q', '-m', 'a link out of the repository');
    await git(adminDir, 'push', '-q', 'origin', 'main');

    const once = await node.run(['agent', '--once', '--data-dir', join(root, 'agent-data')]);
    expect(once.code).not.toBe(0);
    expect(once.stderr).toMatch(/pull failed: .*nodes\/escape: is a symbolic link \(mode 120000\)/);
    expect((await git(nodeDir, 'rev-parse', 'main')).trim()).toBe(before);
    await expect(lstat(join(nodeDir, 'nodes', 'escape'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
