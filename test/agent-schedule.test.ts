/**
 * The schedule of a real `stella agent`: read from nodes/<node>/schedule.yaml
 * on main (bad entries refused with file:line, the rest scheduled), and
 * reloaded when a pull from the remote (a real git http-backend) brings a
 * new version, whose new scan then runs. Also `--once` on a due entry.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from './helpers/agent.js';
import { cliEnv, runStella } from './helpers/cli.js';
import { cloneOverHttp, publishBare, startGitHttpServer, type GitHttpServer } from './helpers/git-http-server.js';
import { imagesDir } from './helpers/paths.js';
import { git } from './helpers/repo.js';

const NODE = 'sched-1';
const FILE = `nodes/${NODE}/schedule.yaml`;
let root: string;
let seed: string;
let bare: string;
let url: string;
let env: NodeJS.ProcessEnv;
let server: GitHttpServer;

/** Commits the schedule on the seed's main natively and pushes it to the remote, as a person would. */
async function publishSchedule(text: string): Promise<void> {
  await mkdir(join(seed, 'nodes', NODE), { recursive: true });
  await writeFile(join(seed, FILE), text);
  await git(seed, 'add', FILE);
  await git(seed, '-c', 'user.name=Ops', '-c', 'user.email=ops@example.invalid', 'commit', '-q', '-m', `schedule for ${NODE}`);
  await git(seed, 'push', '-q', bare, 'main');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-agent-schedule-'));
  seed = join(root, 'seed');
  env = cliEnv(root, { STELLA_NODE: NODE });
  expect((await runStella(['init', seed, '--node', NODE], { env, cwd: root })).code).toBe(0);
  server = await startGitHttpServer();
  ({ url, dir: bare } = await publishBare(server, seed, 'sched.git'));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('stella agent: the schedule', () => {
  it('refuses bad entries with file:line, schedules the rest, and reloads after a pull brings a new version', async () => {
    const base = join(imagesDir, 'debian-base.oci.tar');
    const first = [
      'targets:',
      `  base:\n    target: ${base}\n    commit: false`,
      'scans:',
      '  - target: base', //   line 6
      '    cron: "0 0 1 1 *"',
      '  - target: base', //   line 8
      '    cron: "0 0 32 * *"',
      '  - target: ghost', //  line 10
      '    cron: "* * * * *"',
      'pull:',
      '  cron: "* * * * * *"',
      '',
    ].join('\n');
    await publishSchedule(first);
    const clone = await cloneOverHttp(url, join(root, 'agent'));
    const agent = await startAgent(['--repo', clone, 'agent', '--port', '0', '--data-dir', join(root, 'data')], { env });
    try {
      const refused = agent
        .log()
        .split('\n')
        .filter((line) => line.includes('entry not scheduled'))
        .map((line) => JSON.parse(line) as { msg: string });
      expect(refused.map((r) => r.msg.split(' (')[0])).toEqual([`${FILE}:8: scan of base: invalid cron expression "0 0 32 * *"`, `${FILE}:10: scan entry: unknown target "ghost"`]);
      const targets = async (): Promise<{ name: string; lastScan: unknown }[]> => ((await (await agent.request('/v1/targets')).json()) as { targets: { name: string; lastScan: unknown }[] }).targets;
      expect((await targets()).map((t) => t.name)).toEqual(['base']);

      await publishSchedule(`${first.replace('0 0 32 * *', '* * * * * *')}`);
      let fresh: { name: string; lastScan: unknown }[] = [];
      // The agent pulls every second; the fixed entry then scans every second too.
      for (let i = 0; i < 300 && !fresh.some((t) => t.lastScan !== null); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        fresh = await targets();
      }
      expect(fresh.map((t) => t.name)).toEqual(['base', 'base']);
      expect(fresh.some((t) => t.lastScan !== null)).toBe(true);
      expect(agent.log()).toMatch(/"msg":"nodes\/sched-1\/schedule.yaml: 2 scans scheduled"/);
    } finally {
      await agent.stop();
    }
  });

  it('--once runs each due scan once and pushes; a second run right after has nothing due', async () => {
    await publishSchedule(['targets:', `  base:\n    target: ${join(imagesDir, 'debian-base.oci.tar')}`, 'scans:', '  - target: base', '    cron: "0 0 1 1 *"', ''].join('\n'));
    const clone = await cloneOverHttp(url, join(root, 'once'));
    await git(clone, 'config', 'stella.signingkey', (await git(seed, 'config', 'stella.signingkey')).trim());
    const args = ['--repo', clone, 'agent', '--once', '--data-dir', join(root, 'once-data')];
    const first = await runStella(args, { env, cwd: root });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('once: 1 scheduled scans due');
    expect((await git(bare, 'cat-file', '-t', `agents/${NODE}:findings/${NODE}/base/report.json`)).trim()).toBe('blob');
    const second = await runStella(args, { env, cwd: root });
    expect(second.stderr).toContain('once: 0 scheduled scans due');
  });
});
