/**
 * `stella push` / `stella pull` as registered by agent/cli/commands/remote.ts,
 * run in-process through commander against a real git http-backend.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneOverHttp, publishBare, startGitHttpServer, type GitHttpServer } from '../../test/helpers/git-http-server.js';
import { git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { registerRemote } from '../cli/commands/remote.js';
import type { CommandResult } from '../cli/context.js';
import { openStateRepo } from '../repo/state-repo.js';
import { commitReport } from '../scan/commit-report.js';
import { scanTarget } from '../scan/scan.js';

let server: GitHttpServer;
let seed: TempRepo;
let home: string;
const saved = { ...process.env };

beforeAll(async () => {
  server = await startGitHttpServer({ auth: { username: 'cli', password: 'cli-secret' } });
  seed = await tempRepo('cli-node');
  home = await mkdtemp(join(tmpdir(), 'stella-cli-remote-'));
  process.env['STELLA_HOME'] = home;
  delete process.env['STELLA_CONFIG'];
  delete process.env['STELLA_NODE'];
  process.env['STELLA_GIT_USERNAME'] = 'cli';
  process.env['STELLA_GIT_PASSWORD'] = 'cli-secret';
});
afterAll(async () => {
  process.env = saved;
  await server.close();
  await seed.cleanup();
  await rm(home, { recursive: true, force: true });
});

async function stella(...args: string[]): Promise<CommandResult> {
  let result: CommandResult = { exitCode: -1 };
  const program = new Command('stella').option('--repo <dir>').option('-q, --quiet').option('--verbose').exitOverride();
  registerRemote(program, (r) => {
    result = r;
  });
  await program.parseAsync(['node', 'stella', '--quiet', ...args]);
  return result;
}

describe('stella push / pull commands', () => {
  it('push sends agents/<node> of --node; pull on another clone brings it; credentials come from the environment', async () => {
    const { url, dir: bare } = await publishBare(server, seed.repo.dir, 'cli.git');
    const auth = { username: 'cli', password: 'cli-secret' };
    const first = await cloneOverHttp(url, join(seed.root, 'first'), { auth });
    const second = await cloneOverHttp(url, join(seed.root, 'second'), { auth });
    const sbom = join(seed.root, 'app.cdx.json');
    await writeFile(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }));
    const repo = await openStateRepo(first);
    await commitReport(repo, await scanTarget(sbom, { name: 'cli-app' }), { node: 'cli-node', key: seed.key });

    expect(await stella('--repo', first, 'push', '--node', 'cli-node')).toEqual({ exitCode: 0 });
    const pushed = (await git(first, 'rev-parse', 'agents/cli-node')).trim();
    expect((await git(bare, 'rev-parse', 'agents/cli-node')).trim()).toBe(pushed);

    expect(await stella('--repo', second, 'pull', '--node', 'cli-node')).toEqual({ exitCode: 0 });
    expect((await git(second, 'rev-parse', 'agents/cli-node')).trim()).toBe(pushed);
  });

  it('fails with a usage error for a remote URL it cannot use, and for a node name that is not a path segment', async () => {
    await expect(stella('--repo', seed.repo.dir, 'push', '--node', 'cli-node', '--remote', 'ftp://host/x.git')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(stella('--repo', seed.repo.dir, 'pull', '--node', '../evil')).rejects.toMatchObject({ code: 'USAGE' });
  });
});
