/**
 * kill -9 of a real `stella agent` at each named point (STELLA_FAILPOINT,
 * test-only) — mid-read, mid-scan, mid-commit, after the commit, mid-push —
 * then a restart: the accepted job completes, and exactly once (native
 * `git log` on the agent branch; the remote's branch for pushes).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, submitScan, waitForScan } from './helpers/agent.js';
import { cliEnv, runStella } from './helpers/cli.js';
import { cloneOverHttp, publishBare, startGitHttpServer, type GitHttpServer } from './helpers/git-http-server.js';
import { imagesDir, projectRoot } from './helpers/paths.js';
import { fsckStrict, git } from './helpers/repo.js';

const NODE = 'crash-1';
const IMAGE = join(imagesDir, 'debian-node.oci.tar');
let root: string;
let state: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-agent-crash-'));
  state = join(root, 'state');
  env = cliEnv(root, { STELLA_NODE: NODE });
  expect((await runStella(['init', state, '--node', NODE], { env, cwd: root })).code).toBe(0);
  expect((await runStella(['--repo', state, 'feed', 'import', join(projectRoot, 'examples', 'advisories', 'npm')], { env, cwd: root })).code).toBe(0);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('kill -9 during a scan job, then a restart', () => {
  it.each(['scan:mid-read', 'scan:before-commit', 'commit:before-ref', 'commit:after-ref'])('at %s: the scan completes once, with one commit naming its id', async (point) => {
    const args = ['--repo', state, 'agent', '--port', '0', '--data-dir', join(root, 'data', point.replace(':', '-'))];
    const doomed = await startAgent(args, { env: { ...env, STELLA_FAILPOINT: point } });
    const id = await submitScan(doomed, { target: IMAGE, commit: true, name: `kill-${point.replace(':', '-')}` });
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const agent = await startAgent(args, { env });
    try {
      const scan = await waitForScan(agent, id);
      expect(scan).toMatchObject({ status: 'done', attempts: 2, summary: { HIGH: 6 } });
      const commits = (await git(state, 'log', `agents/${NODE}`, '--format=%H', '--fixed-strings', `--grep=Stella-Scan-Id: ${id}`)).split('\n').filter(Boolean);
      expect(commits).toEqual([(scan['report'] as { commit: string }).commit]);
      // Past the ref move, the job is completed from the commit found on the branch, not scanned again.
      expect(agent.log().includes(`job ${id}: its commit`)).toBe(point === 'commit:after-ref');
      await fsckStrict(state);
    } finally {
      await agent.stop();
    }
  });
});

describe('kill -9 during a push job (stella agent --once), then a rerun', () => {
  let server: GitHttpServer;
  let clone: string;
  let bare: string;
  beforeAll(async () => {
    server = await startGitHttpServer();
    const published = await publishBare(server, state, 'crash.git');
    bare = published.dir;
    clone = await cloneOverHttp(published.url, join(root, 'clone'));
    await git(clone, 'config', 'stella.signingkey', (await git(state, 'config', 'stella.signingkey')).trim());
  });
  afterAll(() => server.close());

  function once(dataDir: string, extra: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(process.execPath, [join(projectRoot, 'bin', 'stella.js'), '--repo', clone, 'agent', '--once', '--data-dir', join(root, dataDir)], { env: { ...env, ...extra } }, (_error, _stdout, stderr) =>
        resolve({ code: child.exitCode, signal: child.signalCode, stderr }),
      );
    });
  }

  it.each(['push:before', 'push:after'])('at %s: the rerun pushes the branch, and the interrupted push job completes', async (point) => {
    const name = `push-${point.replace(':', '-')}`;
    expect((await runStella(['--repo', clone, 'scan', '--commit', '--name', name, join(imagesDir, 'debian-base.oci.tar')], { env, cwd: root })).code).toBe(0);
    // The branch may be replayed onto the remote's on push: what must arrive is this report.
    const reportPath = `agents/${NODE}:findings/${NODE}/${name}/report.json`;
    const onRemote = (): Promise<boolean> => git(bare, 'cat-file', '-e', reportPath).then(() => true, () => false);
    const killed = await once(name, { STELLA_FAILPOINT: point });
    expect(killed.signal).toBe('SIGKILL');
    const pushId = /"msg":"job ([0-9a-f-]+): push started/.exec(killed.stderr)?.[1];
    expect(pushId).toBeDefined();
    expect(await onRemote()).toBe(point === 'push:after');

    const rerun = await once(name);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain(`job ${pushId ?? ''}: push done`);
    expect(await onRemote()).toBe(true);
    expect((await git(bare, 'rev-parse', `refs/heads/agents/${NODE}`)).trim()).toBe((await git(clone, 'rev-parse', `agents/${NODE}`)).trim());
    await fsckStrict(bare);
  });
});
