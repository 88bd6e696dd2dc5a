/**
 * Admission (core/admission) attacked through the real `stella` CLI and
 * native git: a mesh whose admin pushes to a real `git http-backend`, a
 * node that pulls, a site fed by bundles and kits. Each attack must be
 * refused with exit 1 or 2 and one line naming the path and the rule, and
 * leave the receiving repository exactly as it was: refs, index bytes,
 * `git status`, every work-tree file, and the files outside it.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetachedJws } from '../core/sign/jws.js';
import { loadKey } from '../agent/repo/keystore.js';
import { cloneOverHttp, publishBare, startGitHttpServer, type GitHttpServer } from './helpers/git-http-server.js';
import { projectRoot, sharedData } from './helpers/paths.js';
import { git } from './helpers/repo.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const NATIVE = ['-c', 'user.name=Attacker', '-c', 'user.email=attacker@example.invalid'];
const KEV = join(sharedData, 'kev', 'known_exploited_vulnerabilities.json');

let root: string;
let env: NodeJS.ProcessEnv;
let server: GitHttpServer;
let admin: string;
let keyId: string;
let outside: string;
let counter = 0;

function stella(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(projectRoot, 'bin', 'stella.js'), ...args], { env, cwd: root, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<Run> {
  const run = await stella(...args);
  expect(run.code, `stella ${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run;
}

/** Everything a refusal must leave as it was, as one comparable string. */
async function snapshot(dir: string): Promise<string> {
  const index = await readFile(join(dir, '.git', 'index')).catch(() => Buffer.alloc(0));
  return [
    await git(dir, 'for-each-ref'),
    createHash('sha256').update(index).digest('hex'),
    await git(dir, 'status', '--porcelain', '--untracked-files=all'),
    await tree(dir),
    await tree(outside),
  ].join('\n--\n');
}

/** Paths, kinds and contents (or link targets) under `dir`, .git aside, never following links. */
async function tree(dir: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (at: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(at)).sort()) {
      if (prefix === '' && name === '.git') continue;
      const full = join(at, name);
      const stats = await lstat(full);
      if (stats.isSymbolicLink()) lines.push(`${prefix}${name} -> ${await readlink(full)}`);
      else if (stats.isDirectory()) await walk(full, `${prefix}${name}/`);
      else lines.push(`${prefix}${name} ${createHash('sha256').update(await readFile(full)).digest('hex')}`);
    }
  };
  await walk(dir, '');
  return lines.join('\n');
}

/** Runs `args`, expects a refusal by `rule` naming `path` in one line, and an unchanged `dir`. */
async function refused(dir: string, rule: string, path: string, ...args: string[]): Promise<string> {
  const before = await snapshot(dir);
  const run = await stella(...args);
  expect([1, 2], run.stderr).toContain(run.code);
  const line = run.stderr.split('\n').find((l) => l.startsWith('stella: '));
  expect(line, run.stderr).toBeDefined();
  expect(line).toContain(`refused (${rule})`);
  expect(line).toContain(path);
  expect(await snapshot(dir)).toBe(before);
  return line as string;
}

/** A native commit in a work clone: `files` written (null: removed), then `git add -A`. */
async function commitNative(dir: string, message: string, files: Record<string, string | null>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    if (text === null) await rm(join(dir, path), { force: true, recursive: true });
    else {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), text);
    }
  }
  await git(dir, 'add', '-A');
  await git(dir, ...NATIVE, 'commit', '--quiet', '-m', message);
  return (await git(dir, 'rev-parse', 'HEAD')).trim();
}

/** A fresh remote of the admin's repository and a node clone of it, set up to sign as n1. */
async function mesh(): Promise<{ url: string; bare: string; node: string }> {
  const { url, dir } = await publishBare(server, admin, `state-${++counter}.git`);
  const node = await cloneOverHttp(url, join(root, `node-${counter}`));
  await git(node, 'config', 'stella.signingkey', keyId);
  return { url, bare: dir, node };
}

/** A KEV catalog file like CISA's, released at `date`. */
async function kevReleased(date: string): Promise<string> {
  const catalog = JSON.parse(await readFile(KEV, 'utf8')) as { dateReleased: string; catalogVersion: string };
  catalog.dateReleased = date;
  catalog.catalogVersion = date.slice(0, 10).replace(/-/g, '.');
  const file = join(root, `kev-${date.slice(0, 10)}.json`);
  await writeFile(file, JSON.stringify(catalog));
  return file;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-admission-'));
  outside = join(root, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'precious.txt'), 'must not change\n');
  env = { ...process.env, STELLA_HOME: join(root, 'home'), STELLA_NODE: 'n1' };
  delete env['STELLA_CONFIG'];
  delete env['STELLA_REPO'];
  server = await startGitHttpServer();
  admin = join(root, 'admin');
  await ok('init', admin, '--node', 'n1');
  keyId = (await git(admin, 'config', 'stella.signingkey')).trim();
  await ok('--repo', admin, 'feed', 'import', join(sharedData, 'osv', 'CRAN', 'all.zip'));
}, 120_000);
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('admission through the CLI', () => {
  it('class 1: pull refuses a main whose tree holds a symbolic link pointing outside the repository', async () => {
    const { url, node } = await mesh();
    const work = await cloneOverHttp(url, join(root, `work-${counter}`));
    const blob = (await execText(work, ['hash-object', '-w', '--stdin'], outside)).trim();
    await git(work, 'update-index', '--add', '--cacheinfo', `120000,${blob},nodes/evil`);
    await git(work, ...NATIVE, 'commit', '--quiet', '-m', 'a link out of the repository');
    await git(work, 'push', '--quiet', 'origin', 'main');
    await refused(node, 'tree-hygiene', 'nodes/evil', '--repo', node, 'pull');
    // A later commit turning the path into a file does not make the history acceptable.
    await git(work, 'rm', '--quiet', '--cached', 'nodes/evil');
    await commitNative(work, 'now a file', { 'nodes/evil': 'written through the link?\n' });
    await git(work, 'push', '--quiet', 'origin', 'main');
    const line = await refused(node, 'tree-hygiene', 'nodes/evil', '--repo', node, 'pull');
    expect(line).toContain('symbolic link');
    expect(await readdir(outside)).toEqual(['precious.txt']);
  }, 60_000);

  it('class 2: sync import refuses a shard that no longer matches its signed manifest, hostile names, other refs, and main moved onto an agent tip', async () => {
    const { url } = await mesh();
    const site = join(root, `site-${counter}`);
    await git(root, 'clone', '--quiet', url, site);
    const work = await cloneOverHttp(url, join(root, `work-${counter}`));
    const base = (await git(work, 'rev-parse', 'HEAD')).trim();
    const bundle = async (name: string, ...refs: string[]): Promise<string> => {
      const file = join(root, `${name}-${counter}.bundle`);
      await git(work, 'bundle', 'create', '--quiet', file, ...refs);
      return file;
    };

    const shard = (await git(work, 'ls-tree', '--name-only', 'HEAD', 'feeds/osv/shards/')).trim().split('\n')[0] as string;
    await commitNative(work, 'edit a shard', { [shard]: (await readFile(join(work, shard), 'utf8')).replace('"summary":"', '"summary":"edited ') });
    await refused(site, 'verify', shard, '--repo', site, 'sync', 'import', await bundle('shard', `${base}..main`));
    await git(work, 'reset', '--quiet', '--hard', base);

    for (const name of ['..', '.GIT']) {
      const blob = (await execText(work, ['hash-object', '-w', '--stdin'], 'x\n')).trim();
      const hostile = (await execText(work, ['mktree'], `100644 blob ${blob}\t${name}\n`)).trim();
      const rootTree = (await execText(work, ['mktree'], `${(await git(work, 'ls-tree', 'HEAD')).trim()}\n040000 tree ${hostile}\tnodes2\n`)).trim();
      const commit = (await git(work, ...NATIVE, 'commit-tree', rootTree, '-p', base, '-m', `a tree entry named ${name}`)).trim();
      await git(work, 'update-ref', 'refs/heads/main', commit);
      await refused(site, 'tree-hygiene', `nodes2/${name}`, '--repo', site, 'sync', 'import', await bundle(`name-${name.length}`, `${base}..main`));
      await git(work, 'reset', '--quiet', '--hard', base);
    }

    await git(work, 'tag', 'v1', base);
    await refused(site, 'ref-name', 'refs/tags/v1', '--repo', site, 'sync', 'import', await bundle('tag', 'main', 'v1'));
    await git(work, 'branch', 'release', base);
    await refused(site, 'ref-name', 'refs/heads/release', '--repo', site, 'sync', 'import', await bundle('branch', 'main', 'release'));

    // A node's (signed, valid) report branch, and a bundle that fast-forwards main to its tip.
    await git(work, 'config', 'stella.signingkey', keyId);
    await ok('--repo', work, 'scan', await sbomFile('app'), '--name', 'app', '--commit', '--node', 'n1');
    await git(work, 'update-ref', 'refs/heads/main', 'refs/heads/agents/n1');
    await refused(site, 'main-onto-agent-tip', 'refs/heads/main', '--repo', site, 'sync', 'import', await bundle('onto-agent', 'main', 'agents/n1'));
  }, 120_000);

  it('class 6: pull refuses an older signed KEV catalog and a signed policy deleted without a signed tombstone; a tombstone makes the deletion pass', async () => {
    const { url, node } = await mesh();
    const operator = await cloneOverHttp(url, join(root, `operator-${counter}`));
    await git(operator, 'config', 'stella.signingkey', keyId);
    const key = await loadKey(join(root, 'home'), keyId);
    const policy = 'severity: high\n';
    await ok('--repo', operator, 'feed', 'import', await kevReleased('2025-08-25T17:04:19.9796Z'));
    await commitNative(operator, 'a signed policy', { 'policies/gate.yaml': policy, 'policies/gate.yaml.jws': `${await signDetachedJws(new TextEncoder().encode(policy), key)}\n` });
    await git(operator, 'push', '--quiet', 'origin', 'main');
    await ok('--repo', node, 'pull');
    const good = (await git(operator, 'rev-parse', 'HEAD')).trim();

    await ok('--repo', operator, 'feed', 'import', await kevReleased('2025-06-01T00:00:00.000Z'));
    await git(operator, 'push', '--quiet', 'origin', 'main');
    const line = await refused(node, 'feed-rollback', 'feeds/kev/catalog.jsonl', '--repo', node, 'pull');
    expect(line).toContain('dateReleased');

    await git(operator, 'reset', '--quiet', '--hard', good);
    await commitNative(operator, 'drop the policy', { 'policies/gate.yaml': null, 'policies/gate.yaml.jws': null });
    await git(operator, 'push', '--quiet', '--force', 'origin', 'main');
    await refused(node, 'signed-deletion', 'policies/gate.yaml', '--repo', node, 'pull');

    const tombstone = JSON.stringify({ path: 'policies/gate.yaml', sha256: createHash('sha256').update(policy).digest('hex'), type: 'stella.retired/v1' });
    await commitNative(operator, 'retire the policy, signed', {
      'policies/gate.yaml.retired': tombstone,
      'policies/gate.yaml.retired.jws': `${await signDetachedJws(new TextEncoder().encode(tombstone), key)}\n`,
    });
    await git(operator, 'push', '--quiet', 'origin', 'main');
    await ok('--repo', node, 'pull');
    expect((await git(node, 'rev-parse', 'main')).trim()).toBe((await git(operator, 'rev-parse', 'HEAD')).trim());
    expect(await git(node, 'status', '--porcelain')).toBe('');
  }, 120_000);

  it('class 7: with kit/ deleted by an ordinary commit, an older kit is still refused: the floor is the signed KEV catalog', async () => {
    const source = join(root, `kit-source-${++counter}`);
    await git(root, 'clone', '--quiet', admin, source);
    await git(source, 'config', 'stella.signingkey', keyId);
    const site = join(root, `kit-site-${counter}`);
    await git(root, 'clone', '--quiet', admin, site);
    await ok('--repo', source, 'feed', 'import', await kevReleased('2025-06-01T00:00:00.000Z'));
    const older = join(root, `older-${counter}.tar`);
    await ok('--repo', source, 'kit', 'export', '-o', older);
    await ok('--repo', source, 'feed', 'import', await kevReleased('2025-08-25T17:04:19.9796Z'));
    const newer = join(root, `newer-${counter}.tar`);
    await ok('--repo', source, 'kit', 'export', '-o', newer);

    await ok('--repo', site, 'kit', 'import', newer);
    await git(site, 'rm', '-r', '--quiet', 'kit');
    await git(site, ...NATIVE, 'commit', '--quiet', '-m', 'an ordinary commit that deletes kit/');
    await refused(site, 'feed-rollback', 'feeds/kev/catalog.jsonl', '--repo', site, 'kit', 'import', older);
  }, 120_000);

  it("class 8: pull refuses this node's own branch with a replaced signature or an edited shard, and leaves main too", async () => {
    const { url, node } = await mesh();
    await ok('--repo', node, 'scan', await sbomFile('app'), '--name', 'app', '--commit');
    await ok('--repo', node, 'push');
    const attacker = await cloneOverHttp(url, join(root, `attacker-${counter}`), { branch: 'agents/n1' });
    const bundlePath = 'findings/n1/app/report.sigstore.json';
    const signed = JSON.parse(await readFile(join(attacker, bundlePath), 'utf8')) as { dsseEnvelope: { signatures: { sig: string }[] } };
    const first = signed.dsseEnvelope.signatures[0] as { sig: string };
    first.sig = Buffer.from(createHash('sha512').update('forged').digest()).toString('base64');
    await commitNative(attacker, 'replace the signature', { [bundlePath]: `${JSON.stringify(signed)}\n` });
    await git(attacker, 'push', '--quiet', 'origin', 'agents/n1');
    // Something new on main too: a refused agent branch must not let it through either.
    const operator = await cloneOverHttp(url, join(root, `operator-${counter}`));
    await commitNative(operator, 'operator note', { 'NOTES.md': 'hello\n' });
    await git(operator, 'push', '--quiet', 'origin', 'main');
    await git(node, 'reset', '--quiet', '--hard', 'HEAD');
    await refused(node, 'verify', 'findings/n1/app/report.json', '--repo', node, 'pull');

    await git(attacker, 'revert', '--quiet', '--no-edit', 'HEAD');
    const shard = (await git(attacker, 'ls-tree', '--name-only', 'HEAD', 'feeds/osv/shards/')).trim().split('\n')[0] as string;
    await commitNative(attacker, 'edit a shard on the node branch', { [shard]: 'not what was signed\n' });
    await git(attacker, 'push', '--quiet', 'origin', 'agents/n1');
    await refused(node, 'agent-scope', shard, '--repo', node, 'pull');
  }, 120_000);

  it("agent scope: one node's branch deleting another node's report is refused by sync import", async () => {
    const { url } = await mesh();
    const work = await cloneOverHttp(url, join(root, `work-${counter}`));
    await git(work, 'config', 'stella.signingkey', keyId);
    await ok('--repo', work, 'scan', await sbomFile('app'), '--name', 'app', '--commit', '--node', 'n1');
    await git(work, 'merge', '--quiet', '--no-edit', 'agents/n1');
    await git(work, 'push', '--quiet', 'origin', 'main');
    const site = join(root, `site-${counter}`);
    await git(root, 'clone', '--quiet', url, site);
    await git(work, 'checkout', '--quiet', '-b', 'agents/n2');
    await commitNative(work, "n2 removes n1's report", { 'findings/n1/app': null });
    const file = join(root, `n2-${counter}.bundle`);
    await git(work, 'bundle', 'create', '--quiet', file, 'main', 'agents/n2');
    const line = await refused(site, 'agent-scope', 'findings/n1/app', '--repo', site, 'sync', 'import', file);
    expect(line).toContain('agents/n2 may change only findings/n2/');
  }, 120_000);

  it('sync import --repo NEWDIR seeds a new site through the same admission; a refused bundle leaves no folder', async () => {
    const bundle = join(root, `seed-${++counter}.bundle`);
    await ok('--repo', admin, 'sync', 'export', '-o', bundle);
    const site = join(root, `seeded-${counter}`);
    await ok('--repo', site, 'sync', 'import', bundle);
    expect((await git(site, 'rev-parse', 'main')).trim()).toBe((await git(admin, 'rev-parse', 'main')).trim());
    expect(await git(site, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    await ok('--repo', site, 'verify');

    const work = join(root, `seed-work-${counter}`);
    await git(root, 'clone', '--quiet', admin, work);
    await git(work, 'update-index', '--add', '--cacheinfo', `120000,${(await execText(work, ['hash-object', '-w', '--stdin'], outside)).trim()},nodes/out`);
    await git(work, ...NATIVE, 'commit', '--quiet', '-m', 'a link out');
    const hostile = join(root, `seed-hostile-${counter}.bundle`);
    await git(work, 'bundle', 'create', '--quiet', hostile, 'main');
    const refusedSite = join(root, `refused-${counter}`);
    const run = await stella('--repo', refusedSite, 'sync', 'import', hostile);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('refused (tree-hygiene): nodes/out');
    expect((await readdir(root)).filter((name) => name.includes(`refused-${counter}`))).toEqual([]);
  }, 120_000);
});

/** A small CycloneDX SBOM to scan. */
async function sbomFile(name: string): Promise<string> {
  const file = join(root, `${name}-${++counter}.cdx.json`);
  await writeFile(file, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' }] }));
  return file;
}

/** Native git with `input` on stdin. */
function execText(cwd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd }, (error, stdout) => (error === null ? resolve(stdout) : reject(error)));
    child.stdin?.end(input);
  });
}
