/**
 * The `stella` command as a user runs it: the compiled bin, real files,
 * exit codes, stdout for output, stderr for messages (JSON lines when not a
 * terminal), and a state repository left as it was when a command fails.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileDir, imagesDir, sharedData } from './helpers/paths.js';
import { runStella, type CliRun } from './helpers/cli.js';
import { fsckStrict, git } from './helpers/repo.js';

type Run = CliRun;

let root: string;
let env: NodeJS.ProcessEnv;

function stella(...args: string[]): Promise<Run> {
  return runStella(args, { env, cwd: root });
}

const repoDir = (): string => join(root, 'state');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-cli-'));
  env = { ...process.env, STELLA_HOME: join(root, 'home'), STELLA_NODE: 'cli-node', STELLA_REPO: join(root, 'state') };
  delete env['STELLA_CONFIG'];
  const init = await stella('init', repoDir());
  expect(init.code, init.stderr).toBe(0);
  const imported = await stella('feed', 'import', join(sharedData, 'osv', 'npm', 'all.zip'));
  expect(imported.code, imported.stderr).toBe(0);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('stella CLI', () => {
  it.each([[], ['init'], ['feed'], ['feed', 'import'], ['feed', 'sync'], ['scan'], ['vex'], ['vex', 'import'], ['verify'], ['review', 'summary'], ['review', 'open'], ['sync', 'export'], ['sync', 'import'], ['push'], ['pull'], ['trust'], ['trust', 'enroll'], ['trust', 'sign'], ['node'], ['node', 'join'], ['config'], ['config', 'set'], ['kit', 'export'], ['kit', 'import'], ['report', 'retire'], ['policy'], ['policy', 'import'], ['policy', 'simulate'], ['notify'], ['notify', 'flush'], ['demo'], ['agent'], ['agent', 'enroll'], ['edge', 'token', 'create']])('%j --help exits 0 and prints usage', async (...command) => {
    const result = await stella(...command, '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: stella');
  });

  it('logs JSON lines on stderr when stderr is not a terminal', async () => {
    const result = await stella('feed', 'import', join(sharedData, 'osv', 'npm', 'all.zip'));
    expect(result.code).toBe(0);
    const lines = result.stderr.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ level: 'info', records: 170, added: 0 });
  });

  it('scan --format json prints one report document with components and findings', async () => {
    const result = await stella('scan', join(imagesDir, 'debian-node.oci.tar'), '--format', 'json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { components: { purl: string }[]; findings: { id: string; purl: string; severity: { level: string } }[] };
    expect(report.components.length).toBe(110 + 67);
    expect(report.findings.length).toBeGreaterThanOrEqual(7);
    expect(report.findings.every((f) => /^pkg:npm\/.+@/.test(f.purl))).toBe(true);
  });

  it('gates CI with --severity and --exit-code, and writes --output atomically', async () => {
    const out = join(root, 'out.json');
    const gated = await stella('scan', join(imagesDir, 'debian-node.docker.tar'), '--severity', 'HIGH,CRITICAL', '--exit-code', '7', '--format', 'json', '-o', out);
    expect(gated.code).toBe(7);
    expect(gated.stdout).toBe('');
    const report = JSON.parse(await readFile(out, 'utf8')) as { findings: { severity: { level: string } }[] };
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f) => ['HIGH', 'CRITICAL'].includes(f.severity.level))).toBe(true);
    // Its Debian packages have no advisories in this feed: the gate fails on them unless told to accept that.
    const none = await stella('scan', join(imagesDir, 'debian-base.oci.tar'), '--exit-code', '7', '--allow-unchecked');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('0 findings');
  });

  it('scan --commit records a signed report that verify accepts; one changed byte makes verify exit 1', async () => {
    const committed = await stella('scan', '--commit', join(imagesDir, 'debian-node.oci'), '--format', 'cyclonedx');
    expect(committed.code, committed.stderr).toBe(0);
    expect(JSON.parse(committed.stdout)).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
    // The cyclonedx exporter renders from the report: the SBOM the scan committed, plus the findings as vulnerabilities
    // (and so a serial number of its own).
    const { serialNumber, vulnerabilities, ...exported } = JSON.parse(committed.stdout) as { serialNumber: string; vulnerabilities?: { affects: { ref: string }[] }[] };
    const { serialNumber: committedSerial, ...stored } = JSON.parse(await git(repoDir(), 'show', 'agents/cli-node:findings/cli-node/corpus-debian-node-latest/sbom.cdx.json')) as { serialNumber: string };
    expect(exported).toEqual(stored);
    expect(vulnerabilities?.length).toBeGreaterThan(0);
    expect(serialNumber).not.toBe(committedSerial);
    expect(await git(repoDir(), 'ls-tree', '-r', '--name-only', 'agents/cli-node', 'findings/')).toContain('findings/cli-node/corpus-debian-node-latest/report.sigstore.json');
    const ok = await stella('verify');
    expect(ok.code, ok.stderr).toBe(0);
    await fsckStrict(repoDir());
    expect(await git(repoDir(), 'show', 'agents/cli-node:findings/cli-node/corpus-debian-node-latest/summary.md')).toMatch(/\*\*\d+ new\*\*, \*\*0 fixed\*\*/);
    const asInCi = await stella('verify', '--trust-ref', 'main', '--ref', 'agents/cli-node');
    expect(asInCi.code, asInCi.stderr).toBe(0);
    expect(await git(repoDir(), 'show', 'main:.github/workflows/stella.yml')).toContain('stella verify --repo . --trust-ref');
    const review = await stella('review', 'summary', 'main..agents/cli-node');
    expect(review.code, review.stderr).toBe(0);
    expect(review.stdout).toContain('## findings/cli-node/corpus-debian-node-latest');
    expect(review.stdout).toMatch(/### New[\s\S]*GHSA-/);

    // Tamper through native git, as an attacker with push access would.
    const path = 'findings/cli-node/corpus-debian-node-latest/report.json';
    const text = await git(repoDir(), 'show', `agents/cli-node:${path}`);
    const scratch = join(root, 'scratch');
    await git(root, 'clone', '-q', '--branch', 'agents/cli-node', repoDir(), scratch);
    await writeFile(join(scratch, path), text.replace(/"installed":"(\d)/, (_m, d: string) => `"installed":"${(Number(d) + 1) % 10}`));
    await git(scratch, '-c', 'user.name=x', '-c', 'user.email=x@example.invalid', 'commit', '-qam', 'tamper');
    await git(scratch, 'push', '-q', 'origin', 'HEAD:refs/heads/agents/cli-node');
    const bad = await stella('verify');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(path);
  });

  it.each([
    ['a missing target', ['scan', 'no-such-image.tar'], /no-such-image\.tar: no such file/],
    ['a truncated gzip layer', ['scan', '__HOSTILE__/gz-truncated.tar.gz'], /gz-truncated\.tar\.gz.*gzip/i],
    ['malformed JSON as an SBOM', ['scan', '__BAD_JSON__'], /bad\.json.*JSON/],
    ['an unknown format', ['scan', '--format', 'xml', 'x'], /xml/],
  ])('fails on %s with a one-line error, exit 2, and the repository unchanged', async (_what, args, pattern) => {
    const badJson = join(root, 'bad.json');
    await writeFile(badJson, '{"bomFormat": "CycloneDX", ');
    const resolved = args.map((a) => a.replace('__HOSTILE__', hostileDir).replace('__BAD_JSON__', badJson));
    const before = await git(repoDir(), 'for-each-ref');
    const result = await stella(...resolved, '--commit');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr.trim().split('\n').filter((l) => l.startsWith('stella:') || l.startsWith('error:')).length).toBeGreaterThanOrEqual(1);
    expect(await git(repoDir(), 'for-each-ref')).toBe(before);
  });

  // The image is read while the repository, the signing key and the policy load (agent/cli/commands/scan.ts):
  // one of them failing stops the read, and the run ends on that error alone.
  it.each([
    ['a missing signing key', ['--commit'], { STELLA_HOME: '__EMPTY_HOME__' }, /signing key .* not found/],
    ['a policy file that is not YAML', ['--policy', '__BAD_POLICY__'], {}, /bad-policy\.yaml: not valid YAML/],
    ['a repository that is not one', ['--repo', '__NOT_A_REPO__'], {}, /not a state repository/],
  ])('stops scanning an image on %s, with a one-line error, exit 2, and the repository unchanged', async (_what, extra, overrides, pattern) => {
    const badPolicy = join(root, 'bad-policy.yaml');
    await writeFile(badPolicy, 'rules: [\n');
    const emptyHome = await mkdtemp(join(root, 'empty-home-'));
    const place = (value: string): string => value.replace('__BAD_POLICY__', badPolicy).replace('__EMPTY_HOME__', emptyHome).replace('__NOT_A_REPO__', emptyHome);
    const before = await git(repoDir(), 'for-each-ref');
    const runEnv = { ...env, ...Object.fromEntries(Object.entries(overrides).map(([key, value]) => [key, place(value)])) };
    const args = extra[0] === '--repo' ? [...extra.map(place), 'scan', join(imagesDir, 'debian-node.oci.tar')] : ['scan', ...extra.map(place), join(imagesDir, 'debian-node.oci.tar')];
    const result = await runStella(args, { env: runEnv, cwd: root });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(await git(repoDir(), 'for-each-ref')).toBe(before);
  });

  it('init refuses a folder that exists and is not empty', async () => {
    const result = await stella('init', repoDir());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/already exists/);
  });
});

describe('stella demo (the README main job)', () => {
  it('runs the whole path on the bundled sample and verify passes', async () => {
    const result = await stella('demo', '--dir', join(root, 'demo'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/GHSA-/);
    expect(result.stdout).toMatch(/\n\d+ deb packages \(Debian 12\): no advisories for Debian:12 imported — not checked\n/);
    expect(result.stdout).toMatch(/Signed report: .*findings\/demo-node\//);
    await fsckStrict(join(root, 'demo', 'state'));
  });
});
