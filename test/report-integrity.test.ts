/**
 * What `stella verify` refuses, attacked the way someone with write access
 * to a branch would: the compiled `stella` CLI and native `git` (clone,
 * commit, checkout of an old file, rm, mv, merge --no-ff) on a mesh of an
 * admin (who holds the root, feeds and policies roles) and two nodes, each
 * with its own clone and key.
 *
 * Each refusal is exit 1 with a one-line reason naming the path and the rule.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../agent/repo/keystore.js';
import { projectRoot, sharedData } from './helpers/paths.js';
import { git } from './helpers/repo.js';

interface Run {
  code: number;
  stderr: string;
}

interface Actor {
  env: NodeJS.ProcessEnv;
  dir: string;
}

let root: string;
let admin: Actor;
const nodes = new Map<string, Actor & { keyId: string }>();

function stella(actor: Actor, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(projectRoot, 'bin', 'stella.js'), '--repo', actor.dir, ...args], { env: actor.env, cwd: root, maxBuffer: 64 << 20 }, (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stderr });
    });
  });
}

/** The error lines of a run, as `where: reason` strings. */
function errors(run: Run): string[] {
  return run.stderr
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: string; msg: string })
    .filter((line) => line.level === 'error')
    .map((line) => line.msg);
}

/** `stella verify --trust-ref main --ref REF` must fail with exit 1 and a line matching `pattern`. */
async function expectRefused(ref: string, pattern: RegExp): Promise<string[]> {
  const run = await stella(admin, 'verify', '--trust-ref', 'main', '--ref', ref);
  expect(run.code, run.stderr).toBe(1);
  const lines = errors(run);
  expect(lines.some((line) => pattern.test(line)), lines.join('\n')).toBe(true);
  for (const line of lines) expect(line).not.toContain('\n');
  return lines;
}

async function expectVerified(...refs: string[]): Promise<void> {
  const run = await stella(admin, 'verify', '--trust-ref', 'main', '--ref', ...refs);
  expect(run.code, errors(run).join('\n')).toBe(0);
}

const gitAs = ['-c', 'user.name=Mallory', '-c', 'user.email=mallory@example.invalid'];

/** On a new branch of the admin's repository from `from`: runs `edit` in the work tree, commits, returns to main. */
async function attack(branch: string, from: string, edit: (dir: string) => Promise<unknown>): Promise<void> {
  await git(admin.dir, 'checkout', '-q', '-b', branch, from);
  try {
    await edit(admin.dir);
    await git(admin.dir, 'add', '-A');
    await git(admin.dir, ...gitAs, 'commit', '-qm', `attack: ${branch}`);
  } finally {
    await git(admin.dir, 'checkout', '-q', '-f', 'main');
  }
}

/** `stella scan --commit` of a one-component SBOM as target `name`, on the node's clone, pushed to the admin's repository. */
async function scanAndPush(node: string, name: string, version: string): Promise<void> {
  const actor = nodes.get(node) as Actor;
  const file = join(root, `sbom-${version}.cdx.json`); // the same version is the same input
  await writeFile(file, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'left-pad', version, purl: `pkg:npm/left-pad@${version}` }] }));
  const run = await stella(actor, 'scan', '--commit', '--name', name, file);
  expect(run.code, run.stderr).toBe(0);
  await git(actor.dir, 'push', '-q', '-f', 'origin', `agents/${node}`);
}

async function mergeNoFf(branch: string): Promise<void> {
  await git(admin.dir, '-c', 'user.name=Reviewer', '-c', 'user.email=reviewer@example.invalid', 'merge', '--no-ff', '-q', '-m', `Merge ${branch}`, branch);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-integrity-'));
  admin = { dir: join(root, 'state'), env: { ...process.env, STELLA_HOME: join(root, 'admin-home'), STELLA_NODE: 'admin' } };
  delete admin.env['STELLA_CONFIG'];
  delete admin.env['STELLA_REPO'];
  expect((await stella(admin, 'init', admin.dir)).code).toBe(0);
  const imported = await stella(admin, 'feed', 'import', join(sharedData, 'osv', 'npm', 'all.zip'));
  expect(imported.code, imported.stderr).toBe(0);
  for (const node of ['n1', 'n2']) {
    const home = join(root, `${node}-home`);
    const key = await createKey(home);
    const pem = join(root, `${node}.pub.pem`);
    await writeFile(pem, key.publicKeyPem);
    const enrolled = await stella(admin, 'trust', 'enroll', '--node', node, '--key', pem);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const dir = join(root, `${node}-clone`);
    await git(root, 'clone', '-q', admin.dir, dir);
    await git(dir, 'config', 'stella.signingkey', key.keyId);
    nodes.set(node, { dir, keyId: key.keyId, env: { ...admin.env, STELLA_HOME: home, STELLA_NODE: node } });
  }
  for (const node of ['n1', 'n2']) await git(nodes.get(node)?.dir as string, 'pull', '-q', 'origin', 'main');
  await scanAndPush('n1', 'app', '1.0.0');
  await scanAndPush('n1', 'app', '1.1.0');
  await scanAndPush('n2', 'web', '2.0.0');
  await mergeNoFf('agents/n1');
  await mergeNoFf('agents/n2');
  await expectVerified('agents/n1', 'agents/n2');
}, 120_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('stella verify checks every ref completely (class 3)', () => {
  it('refuses a pull request with an unsigned policy, an edited shard, a blanked manifest, unsigned VEX and an edited stella.yaml', async () => {
    await attack('pr-policy', 'main', (dir) => writeFile(join(dir, 'policies', 'allow-all.yaml'), 'allow: all\n'));
    await expectRefused('pr-policy', /^pr-policy:policies\/allow-all\.yaml: unsigned: allow-all\.yaml\.jws is missing$/);

    const shards = (await git(admin.dir, 'ls-tree', '--name-only', 'main', 'feeds/osv/shards/')).trim().split('\n');
    const shard = shards[0] as string;
    await attack('pr-shard', 'main', async (dir) => {
      const text = await git(dir, 'show', `main:${shard}`);
      await writeFile(join(dir, shard), text.split('\n').slice(1).join('\n'));
    });
    await expectRefused('pr-shard', new RegExp(`^pr-shard:${shard.replace(/\./g, '\\.')}: SHA-256 [0-9a-f]{12}… differs from the manifest's`));

    await attack('pr-manifest', 'main', (dir) => writeFile(join(dir, 'feeds', 'osv', 'manifest.json'), '{}'));
    await expectRefused('pr-manifest', /^pr-manifest:feeds\/osv\/manifest\.json: .*signature/i);

    await attack('pr-extra-feed-file', 'main', (dir) => writeFile(join(dir, 'feeds', 'osv', 'shards', 'zz.jsonl'), '{}\n'));
    await expectRefused('pr-extra-feed-file', /^pr-extra-feed-file:feeds\/osv\/shards\/zz\.jsonl: not listed in the signed manifest/);

    await attack('pr-vex', 'main', (dir) => writeFile(join(dir, 'vex', 'waive.openvex.json'), '{"statements":[]}\n'));
    await expectRefused('pr-vex', /^pr-vex:vex\/waive\.openvex\.json: unsigned: waive\.openvex\.json\.jws is missing$/);

    await attack('pr-settings', 'main', async (dir) => writeFile(join(dir, 'stella.yaml'), `${await git(dir, 'show', 'main:stella.yaml')}# edited\n`));
    await expectRefused('pr-settings', /^pr-settings:stella\.yaml: .*signature/i);

    // Class 1 as verify sees it: a symbolic link anywhere in the tree is a failure of its own.
    await attack('pr-symlink', 'main', (dir) => symlink('/etc/passwd', join(dir, 'nodes', 'escape')));
    await expectRefused('pr-symlink', /^pr-symlink:nodes\/escape: is a symbolic link \(mode 120000\); a state repository holds only plain files and folders$/);
  }, 120_000);
});

describe('a revoked key cannot back-date a report (class 4)', () => {
  it('a report signed after the revocation, committed on a parent from before it and merged --no-ff, fails on main', async () => {
    const n2 = nodes.get('n2') as Actor & { keyId: string };
    await git(n2.dir, 'fetch', '-q', 'origin', 'main');
    await git(n2.dir, 'checkout', '-q', '-B', 'main', 'origin/main');
    const revoked = await stella(admin, 'trust', 'revoke', '--key', n2.keyId);
    expect(revoked.code, revoked.stderr).toBe(0);
    // n2's clone has not seen the revocation: its main (root version 3) is the parent of the new report.
    await scanAndPush('n2', 'late', '3.0.0');
    await mergeNoFf('agents/n2');
    const run = await stella(admin, 'verify', '--trust-ref', 'main', '--ref', 'main');
    expect(run.code).toBe(1);
    const lines = errors(run);
    expect(lines).toContainEqual(expect.stringMatching(/^main:findings\/n2\/late\/report\.json: signed by key [0-9a-f]{12}…, which is not enrolled for node n2 in trust root version 4, in effect at commit [0-9a-f]{12} where the report arrived on main; it was enrolled up to version 3, so it is revoked$/));
    // n2's reports merged before the revocation stay valid.
    expect(lines.some((line) => line.includes('findings/n2/web/'))).toBe(false);
    await git(admin.dir, 'reset', '-q', '--hard', 'HEAD^');
  }, 120_000);
});

describe('replay, rollback, deletion and relocation of reports (class 5)', () => {
  it('refuses an older report checked out over a newer one, on the branch and relative to main', async () => {
    const first = (await git(admin.dir, 'rev-list', '--reverse', 'agents/n1')).trim().split('\n').at(-2) as string;
    await attack('replay', 'main', (dir) => git(dir, 'checkout', first, '--', 'findings/n1/app'));
    await expectRefused('replay', /^replay:findings\/n1\/app\/report\.sigstore\.json: sequence 1 goes back from sequence 2 of commit [0-9a-f]{12} on this branch's first-parent line/);
    // A branch that never held the newer report, bringing the older one: judged against main.
    const beforeReports = (await git(admin.dir, 'rev-parse', 'main~2^1')).trim();
    await attack('old-pr', beforeReports, (dir) => git(dir, 'checkout', first, '--', 'findings/n1/app'));
    await expectRefused('old-pr', /^old-pr:findings\/n1\/app\/report\.sigstore\.json: sequence 1 goes back from sequence 2 of main's commit/);
  }, 120_000);

  it('refuses deleting a report folder or one of its files, another node deleting it, and moving it', async () => {
    await attack('rm-sbom', 'main', (dir) => git(dir, 'rm', '-q', 'findings/n1/app/sbom.cdx.json'));
    await expectRefused('rm-sbom', /^rm-sbom:findings\/n1\/app\/sbom\.cdx\.json: named by the signed statement but missing$/);
    await attack('rm-folder', 'main', (dir) => git(dir, 'rm', '-rq', 'findings/n1/app'));
    await expectRefused('rm-folder', /^rm-folder:findings\/n1\/app: deleted, though it held sequence 2 in commit [0-9a-f]{12}: a report folder is removed or moved only by a signed retirement/);
    await attack('mv', 'main', (dir) => git(dir, 'mv', 'findings/n1/app', 'findings/n1/other'));
    const lines = await expectRefused('mv', /^mv:findings\/n1\/other\/report\.sigstore\.json: signed for target 'app' \(folder app\) but stored in findings\/n1\/other/);
    expect(lines).toContainEqual(expect.stringMatching(/^mv:findings\/n1\/app: deleted/));
  }, 120_000);

  it('refuses a rewritten summary.md and an extra file in a report folder', async () => {
    await attack('summary', 'main', (dir) => writeFile(join(dir, 'findings', 'n1', 'app', 'summary.md'), 'All clear: 0 findings\n'));
    await expectRefused('summary', /^summary:findings\/n1\/app\/summary\.md: SHA-256 [0-9a-f]{12}… differs from the signed statement$/);
    await attack('extra', 'main', (dir) => writeFile(join(dir, 'findings', 'n1', 'app', 'notes.txt'), 'hi\n'));
    await expectRefused('extra', /^extra:findings\/n1\/app\/notes\.txt: not named by the signed statement/);
    await attack('stray', 'main', (dir) => writeFile(join(dir, 'findings', 'n1', 'loose.json'), '{}\n'));
    await expectRefused('stray', /^stray:findings\/n1\/loose\.json: not inside a report folder/);
  }, 120_000);

  it('stella report retire replaces a report by a signed retirement that verifies; a new scan continues its sequence', async () => {
    const n1 = nodes.get('n1') as Actor;
    const retired = await stella(n1, 'report', 'retire', 'app');
    expect(retired.code, retired.stderr).toBe(0);
    expect((await git(n1.dir, 'ls-tree', '--name-only', 'agents/n1', 'findings/n1/app/')).trim()).toBe('findings/n1/app/retired.sigstore.json');
    await git(n1.dir, 'push', '-q', 'origin', 'agents/n1');
    await expectVerified('agents/n1');
    // Bringing the report back by checking it out is a replay.
    await attack('unretire', 'agents/n1', async (dir) => {
      await git(dir, 'rm', '-rq', 'findings/n1/app');
      await git(dir, 'checkout', 'main', '--', 'findings/n1/app');
    });
    await expectRefused('unretire', /^unretire:findings\/n1\/app\/report\.sigstore\.json: sequence 2 goes back from sequence 3/);
    await scanAndPush('n1', 'app', '1.2.0');
    const statement = JSON.parse(await git(n1.dir, 'show', 'agents/n1:findings/n1/app/report.sigstore.json')) as { dsseEnvelope: { payload: string } };
    const predicate = (JSON.parse(Buffer.from(statement.dsseEnvelope.payload, 'base64').toString('utf8')) as { predicate: { sequence: number; node: string; signedAt: string } }).predicate;
    expect(predicate).toMatchObject({ sequence: 4, node: 'n1' });
    expect(Number.isNaN(Date.parse(predicate.signedAt))).toBe(false);
    await expectVerified('agents/n1');
  }, 120_000);
});

describe('an unchanged report keeps its signature only if it verifies (class 8)', () => {
  it('re-signs with the next sequence when the stored bundle was replaced', async () => {
    const n1 = nodes.get('n1') as Actor;
    const path = 'findings/n1/app/report.sigstore.json';
    const bundle = await git(n1.dir, 'show', `agents/n1:${path}`);
    await git(n1.dir, 'checkout', '-q', 'agents/n1');
    const at = bundle.indexOf('"sig":"') + 17;
    await writeFile(join(n1.dir, path), `${bundle.slice(0, at)}${bundle[at] === 'A' ? 'B' : 'A'}${bundle.slice(at + 1)}`);
    await git(n1.dir, ...gitAs, 'commit', '-qam', 'replace the signature');
    await git(n1.dir, 'checkout', '-q', 'main');
    await git(n1.dir, 'push', '-q', '-f', 'origin', 'agents/n1');
    await expectRefused('agents/n1', /^agents\/n1:findings\/n1\/app\/report\.json: .*signature/i);
    const before = (await git(n1.dir, 'rev-parse', 'agents/n1')).trim();
    await scanAndPush('n1', 'app', '1.2.0'); // the same input as the report already there
    expect((await git(n1.dir, 'rev-parse', 'agents/n1')).trim()).not.toBe(before);
    await expectVerified('agents/n1');
  }, 120_000);
});
