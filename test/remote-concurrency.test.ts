/**
 * Four agent processes push 25 signed reports each to one remote at the same
 * time — two of them with the same node name, so they race on the same
 * branch — over a real `git http-backend`. Every report must end up on the
 * remote exactly once, every signature must verify, and `git fsck --strict`
 * must find the remote clean.
 *
 * The agents run the compiled code (dist/, built by the test setup or
 * `npm run build`) in their own Node processes, each with its own native
 * `git clone` of the HTTP URL and its own STELLA_HOME and signing key,
 * enrolled for its node by a commit to main's trust/root.json.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBranch } from '../core/report/layout.js';
import { GitStore } from '../core/git/git-store.js';
import type { TrustEdit } from '../core/trust/edit.js';
import { verifyRepository } from '../core/verify/verify-repo.js';
import { createKey } from '../agent/repo/keystore.js';
import { MAIN_BRANCH } from '../agent/repo/state-repo.js';
import { cloneOverHttp, publishBare, startGitHttpServer, type GitHttpServer } from './helpers/git-http-server.js';
import { projectRoot } from './helpers/paths.js';
import { fsckStrict, git, tempRepo, type TempRepo } from './helpers/repo.js';
import { commitTrustChange } from './helpers/trust.js';

const REPORTS_PER_AGENT = 25;
const FLEET = { username: 'fleet', password: 'fleet-secret' };
const AGENT_TIMEOUT_MS = 90_000;
const AGENTS = [
  { label: 'a', node: 'edge-a' },
  { label: 'b', node: 'edge-b' },
  // Same node from two processes: they race on agents/edge-shared.
  { label: 'c', node: 'edge-shared' },
  { label: 'd', node: 'edge-shared' },
] as const;

/** One agent: scan a tiny SBOM, commit the signed report, push — 25 times, as fast as it can. */
const AGENT_SCRIPT = `
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
const dist = process.env.STELLA_DIST;
const load = (path) => import(new URL(path, dist).href);
const { openStateRepo } = await load('agent/repo/state-repo.js');
const { loadKey } = await load('agent/repo/keystore.js');
const { scanTarget } = await load('agent/scan/scan.js');
const { commitReport } = await load('agent/scan/commit-report.js');
const { resolveRemote } = await load('agent/remote/remote.js');
const { resolveCredentials } = await load('agent/remote/credentials.js');
const { pushAgentBranch } = await load('agent/remote/push.js');

const [repoDir, node, label, count, workDir] = process.argv.slice(2);
const repo = await openStateRepo(repoDir);
const key = await loadKey(process.env.STELLA_HOME, repo.signingKeyId);
const remote = await resolveRemote(repo.store.gitdir);
const credentials = await resolveCredentials();
const stats = { label, node, attempts: 0, replayed: 0, replays: 0, retries: 0, pushed: 0 };
for (let i = 0; i < Number(count); i++) {
  const file = join(workDir, label + '-' + i + '.cdx.json');
  const version = '1.0.' + i;
  await writeFile(file, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6',
    components: [{ type: 'library', name: 'pkg-' + label, version, purl: 'pkg:npm/pkg-' + label + '@' + version }] }));
  const outcome = await scanTarget(file, { name: label + '-target-' + i });
  await commitReport(repo, outcome, { node, key });
  const result = await pushAgentBranch(repo.store, { node, remote, credentials, key,
    onEvent: (event) => { if (event.$case === 'retry') stats.retries += 1; else stats.replays += 1; } });
  stats.attempts += result.attempts;
  stats.replayed += result.replayed;
  if (result.status === 'pushed') stats.pushed += 1;
}
process.stdout.write(JSON.stringify(stats) + '\\n');
`;

interface AgentStats {
  label: string;
  node: string;
  attempts: number;
  replayed: number;
  replays: number;
  retries: number;
  pushed: number;
}

let root: string;
let server: GitHttpServer;
let seed: TempRepo;

beforeAll(async () => {
  if (!existsSync(join(projectRoot, 'dist', 'agent', 'remote', 'push.js'))) {
    throw new Error('dist/agent/remote/push.js is missing: run `npm run build` first');
  }
  root = await mkdtemp(join(tmpdir(), 'stella-concurrency-'));
  server = await startGitHttpServer({ auth: FLEET });
  seed = await tempRepo('seed-node');
});
afterAll(async () => {
  await server?.close();
  await seed?.cleanup();
  await rm(root, { recursive: true, force: true });
});

/** Enrols one key per agent in a new trust root version on main, signed by the seed's root key, as an operator would. */
async function enrol(homes: string[]): Promise<string[]> {
  const keyIds: string[] = [];
  const edits: TrustEdit[] = [];
  for (const [i, agent] of AGENTS.entries()) {
    const key = await createKey(homes[i] as string);
    keyIds.push(key.keyId);
    edits.push({ $case: 'enroll', node: agent.node, publicKey: key.publicKeyPem });
  }
  await commitTrustChange(seed.repo, edits, [seed.key]);
  return keyIds;
}

function runAgent(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), AGENT_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('four agents pushing at once', () => {
  it('land all 100 reports exactly once, signed, with a clean remote', async () => {
    const homes = AGENTS.map((agent) => join(root, `home-${agent.label}`));
    const keyIds = await enrol(homes);
    const { url, dir: bare } = await publishBare(server, seed.repo.dir, 'fleet.git');

    // Each agent: its own native clone of the HTTP URL; its credentials come from its environment, never its config.
    const clones: string[] = [];
    for (const [i, agent] of AGENTS.entries()) {
      const dir = await cloneOverHttp(url, join(root, `agent-${agent.label}`), { auth: FLEET });
      await git(dir, 'config', 'stella.signingkey', keyIds[i] as string);
      await mkdir(join(root, `work-${agent.label}`));
      clones.push(dir);
    }
    const script = join(root, 'agent.mjs');
    await writeFile(script, AGENT_SCRIPT);

    const started = performance.now();
    const runs = await Promise.all(
      AGENTS.map((agent, i) =>
        runAgent([script, clones[i] as string, agent.node, agent.label, String(REPORTS_PER_AGENT), join(root, `work-${agent.label}`)], {
          PATH: process.env['PATH'],
          HOME: process.env['HOME'],
          STELLA_HOME: homes[i],
          STELLA_DIST: pathToFileURL(join(projectRoot, 'dist') + '/').href,
          STELLA_GIT_USERNAME: FLEET.username,
          STELLA_GIT_PASSWORD: FLEET.password,
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const stats = runs.map((run) => JSON.parse(run.stdout) as AgentStats);
    console.log(`4 agents × ${REPORTS_PER_AGENT} reports in ${seconds.toFixed(1)} s: ${JSON.stringify(stats)}`);
    // The two processes of edge-shared must actually have raced.
    expect(stats.filter((s) => s.node === 'edge-shared').reduce((n, s) => n + s.replayed, 0)).toBeGreaterThan(0);

    // Every report exactly once on the remote, read by native git from the bare repository.
    const branches = (await git(bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/agents/')).trim().split('\n').sort();
    expect(branches).toEqual(['agents/edge-a', 'agents/edge-b', 'agents/edge-shared']);
    const found: string[] = [];
    for (const branch of branches) {
      const files = (await git(bare, 'ls-tree', '-r', '--name-only', branch, 'findings/')).trim().split('\n');
      found.push(...files.filter((f) => f.endsWith('/report.json')).map((f) => `${branch}:${f}`));
      // One scan commit per report: nothing replayed twice, nothing dropped.
      const subjects = (await git(bare, 'log', '--format=%s', branch)).trim().split('\n').filter((s) => s.startsWith('scan '));
      expect(new Set(subjects).size).toBe(subjects.length);
      expect(subjects).toHaveLength(branch === 'agents/edge-shared' ? 2 * REPORTS_PER_AGENT : REPORTS_PER_AGENT);
    }
    const expected = AGENTS.flatMap((agent) =>
      Array.from({ length: REPORTS_PER_AGENT }, (_, i) => `${agentBranch(agent.node)}:findings/${agent.node}/${agent.label}-target-${i}/report.json`),
    );
    expect(found.sort()).toEqual(expected.sort());
    await fsckStrict(bare);

    // Replays kept every signature valid: verify the remote's branches against its trust/.
    const store = new GitStore({ fs, dir: bare, gitdir: bare });
    const verified = await verifyRepository(store, { main: MAIN_BRANCH, branches });
    expect(verified.failures).toEqual([]);
    expect(verified.reports).toBe(4 * REPORTS_PER_AGENT);
    // The agents' own clones stay readable by native git after the thin packs they fetched, and hold no secret.
    for (const dir of clones) {
      await fsckStrict(dir);
      expect(await readFile(join(dir, '.git', 'config'), 'utf8')).not.toContain(FLEET.password);
    }
  });
});
