/**
 * The CI shipped in state-repo-template/ as a pull request runs it: the
 * `stella` commands of the GitHub workflow and of the GitLab job, read from
 * the files themselves, run by bash against a real state repository whose
 * pull request head is an agent's branch, with `stella` being this
 * checkout's CLI. The install steps run too, against a stand-in source
 * repository, with npm replaced by a stub that records what it was asked.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { cliEnv, runStella } from './helpers/cli.js';
import { projectRoot } from './helpers/paths.js';
import { git } from './helpers/repo.js';

const exec = promisify(execFile);
const template = join(projectRoot, 'state-repo-template');

interface Step {
  name?: string;
  run?: string;
}

let root: string;
let pr: string;
let bin: string;
/** Stands in for stella-mesh's own repository: two commits, so the pinned (first) one must be checked out. */
let source: { dir: string; first: string };

/** Runs one CI shell line with bash in the pull request clone; `stella` and `npm` resolve to the shims in `bin`. */
async function sh(line: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec('bash', ['-eo', 'pipefail', '-c', line], { cwd: pr, env: { ...cliEnv(root), PATH: `${bin}:${process.env['PATH'] ?? ''}`, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

async function githubSteps(): Promise<Step[]> {
  const workflow = YAML.parse(await readFile(join(template, '.github', 'workflows', 'stella.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
  return Object.values(workflow.jobs).flatMap((job) => job.steps);
}

/** A step's script with GitHub's expressions filled in as for a pull request into main. */
function githubScript(step: Step): string {
  return (step.run ?? '').replaceAll('${{ github.base_ref }}', 'main');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-template-ci-'));
  bin = join(root, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'stella'), `#!/bin/sh\nexec "${process.execPath}" "${join(projectRoot, 'bin', 'stella.js')}" "$@"\n`);
  // npm would fetch and build the whole tool: here it records what it was asked to do.
  await writeFile(join(bin, 'npm'), `#!/bin/sh\necho "$@" >> "${join(root, 'npm-calls')}"\n`);
  await Promise.all(['stella', 'npm'].map((name) => chmod(join(bin, name), 0o755)));
  // The state repository, with one agent's signed report on its branch: the pull request's head.
  const state = join(root, 'state');
  const env = cliEnv(root, { STELLA_REPO: state });
  expect((await runStella(['init', state, '--node', 'edge-1'], { env, cwd: root })).code).toBe(0);
  await writeFile(join(root, 'app.cdx.json'), JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'left-pad', version: '1.0.0', purl: 'pkg:npm/left-pad@1.0.0' }] }));
  const scanned = await runStella(['scan', '--commit', join(root, 'app.cdx.json')], { env, cwd: root });
  expect(scanned.code, scanned.stderr).toBe(0);
  const sourceDir = join(root, 'stella-mesh-source');
  await mkdir(sourceDir);
  await git(sourceDir, 'init', '-q');
  const commit = async (text: string): Promise<string> => {
    await writeFile(join(sourceDir, 'README.md'), text);
    await git(sourceDir, 'add', 'README.md');
    await git(sourceDir, '-c', 'user.name=x', '-c', 'user.email=x@example.invalid', 'commit', '-qm', text);
    return (await git(sourceDir, 'rev-parse', 'HEAD')).trim();
  };
  source = { dir: sourceDir, first: await commit('pinned') };
  await commit('later');
  pr = join(root, 'pr');
  await git(root, 'clone', '-q', state, pr);
  await git(pr, 'checkout', '-q', 'agents/edge-1');
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('the state repository CI template', () => {
  it('GitHub: every stella step passes on a pull request of signed reports', async () => {
    const steps = (await githubSteps()).filter((step) => /^stella /m.test(step.run ?? ''));
    expect(steps.map((step) => step.name)).toEqual(['Findings review', 'Policy simulation', 'Verify every report and feed manifest']);
    for (const step of steps) {
      const result = await sh(githubScript(step), { RUNNER_TEMP: root });
      expect(result.code, `${step.name ?? ''}: ${result.stderr}`).toBe(0);
    }
    expect(await readFile(join(root, 'review.md'), 'utf8')).toMatch(/^# Stella findings review: origin\/main\.\.HEAD/m);
  });

  it('GitHub: the verify step fails a pull request that changed a signed report', async () => {
    const verify = (await githubSteps()).find((step) => step.name === 'Verify every report and feed manifest') as Step;
    const report = (await git(pr, 'ls-files', 'findings')).split('\n').find((path) => path.endsWith('report.json')) as string;
    await writeFile(join(pr, report), (await readFile(join(pr, report), 'utf8')).replace('left-pad', 'right-pad'));
    await git(pr, '-c', 'user.name=x', '-c', 'user.email=x@example.invalid', 'commit', '-qam', 'tamper');
    try {
      const result = await sh(githubScript(verify), {});
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(report);
    } finally {
      await git(pr, 'reset', '-q', '--hard', 'HEAD~1');
    }
  });

  it('GitHub: the install step builds the pinned commit of a clone, and refuses to run until both variables are set', async () => {
    const install = (await githubSteps()).find((step) => step.name === 'Install stella') as Step;
    const unset = await sh(githubScript(install), { STELLA_SOURCE: source.dir, STELLA_COMMIT: '' });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('set the repository variables STELLA_SOURCE (the stella-mesh Git URL) and STELLA_COMMIT (a full commit id)');
    const runner = await mkdtemp(join(root, 'runner-'));
    const result = await sh(githubScript(install), { STELLA_SOURCE: source.dir, STELLA_COMMIT: source.first, RUNNER_TEMP: runner });
    expect(result.code, result.stderr).toBe(0);
    const built = join(runner, 'stella-mesh');
    expect(await readFile(join(root, 'npm-calls'), 'utf8')).toBe(`ci --prefix ${built} --no-audit --no-fund\ninstall --global ${built}\n`);
    expect((await git(built, 'rev-parse', 'HEAD')).trim()).toBe(source.first);
  });

  it('GitLab: the job script passes, the comment call aside', async () => {
    const job = (YAML.parse(await readFile(join(template, '.gitlab-ci.yml'), 'utf8')) as { stella: { script: string[] } }).stella.script;
    const lines = job.filter((line) => !line.startsWith('node -e'));
    expect(lines.filter((line) => line.startsWith('stella '))).toHaveLength(2);
    const home = await mkdtemp(join(root, 'gitlab-home-'));
    for (const line of lines) {
      const result = await sh(line, { CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main', STELLA_SOURCE: source.dir, STELLA_COMMIT: source.first, HOME: home });
      expect(result.code, `${line}: ${result.stderr}`).toBe(0);
    }
    expect(await readFile(join(pr, 'review.md'), 'utf8')).toMatch(/^# Stella findings review/m);
  });

  it('GitHub: a pull request that changes the policy gets the simulation over the base branch reports, posted as a comment', async () => {
    const state = join(root, 'state');
    const env = cliEnv(root, { STELLA_REPO: state });
    // The agent's report is on main (merged), and a pull request branch makes a policy the one in force.
    await git(state, '-c', 'user.name=x', '-c', 'user.email=x@example.invalid', 'merge', '-q', '--no-ff', '-m', 'merge reports', 'agents/edge-1');
    await writeFile(join(root, 'gate.yaml'), 'schema: stella.policy/v1\nrules:\n  - { id: kev, verdict: fail, when: { kev: true } }\n');
    const imported = await runStella(['policy', 'import', '--use', '--branch', 'policy/gate', join(root, 'gate.yaml')], { env, cwd: root });
    expect(imported.code, imported.stderr).toBe(0);
    const steps = await githubSteps();
    const simulation = steps.find((step) => step.name === 'Policy simulation') as Step;
    const post = steps.find((step) => step.name === 'Post the policy simulation as a pull request comment') as Step;
    await git(pr, 'fetch', '-q', 'origin');
    await git(pr, 'checkout', '-q', 'origin/policy/gate');
    const runner = await mkdtemp(join(root, 'runner-sim-'));
    try {
      const result = await sh(githubScript(simulation), { RUNNER_TEMP: runner });
      expect(result.code, result.stderr).toBe(0);
      const markdown = await readFile(join(runner, 'simulation.md'), 'utf8');
      expect(markdown).toMatch(/^# Stella policy simulation\n\nCandidate `policies\/gate\.yaml` \(builtin, sha256 [0-9a-f]{12}\) against no policy in force: 1 report, 0 findings/);
      expect(markdown).toContain('## findings/edge-1/app.cdx.json: none → pass');
      // gh stands in for the forge: it records the comment it was asked to post.
      await writeFile(join(bin, 'gh'), `#!/bin/sh\necho "$@" >> "${join(root, 'gh-calls')}"\n`);
      await chmod(join(bin, 'gh'), 0o755);
      const posted = await sh(post.run?.replaceAll('${{ github.event.pull_request.number }}', '7') ?? '', { RUNNER_TEMP: runner });
      expect(posted.code, posted.stderr).toBe(0);
      expect(await readFile(join(root, 'gh-calls'), 'utf8')).toBe(`pr comment 7 --body-file ${join(runner, 'simulation.md')}\n`);
    } finally {
      await git(pr, 'checkout', '-q', 'agents/edge-1');
    }
  });
});
