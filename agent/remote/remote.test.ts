/**
 * push and pull against a real `git http-backend`, with native git as the
 * other party and as the checker.
 */
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sortedJson } from '../../core/json/sorted.js';
import { SCAN_PREDICATE_TYPE } from '../../core/report/layout.js';
import { serializeReport } from '../../core/report/serialize.js';
import { bundleToJson, createBundle } from '../../core/sign/bundle.js';
import { sha256Hex } from '../../core/sign/encoding.js';
import { buildStatement } from '../../core/sign/intoto.js';
import { signDetachedJws } from '../../core/sign/jws.js';
import { verifyRepository } from '../../core/verify/verify-repo.js';
import { sharedData } from '../../test/helpers/paths.js';
import { importOsv } from '../feeds/import-osv.js';
import { webTransport, type Transport } from '../../core/git/smart-http.js';
import { cloneOverHttp, publishBare, startGitHttpServer, type GitHttpServer } from '../../test/helpers/git-http-server.js';
import { fsckStrict, git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { openStateRepo, type StateRepo } from '../repo/state-repo.js';
import { commitReport } from '../scan/commit-report.js';
import { scanTarget } from '../scan/scan.js';
import type { Credentials } from './credentials.js';
import { pullState } from './pull.js';
import { pushAgentBranch, type PushResult } from './push.js';
import { resolveRemote } from './remote.js';

const NATIVE_ID = ['-c', 'user.name=Native Tester', '-c', 'user.email=native@example.invalid'];

let server: GitHttpServer;
let seed: TempRepo;
let counter = 0;

beforeAll(async () => {
  server = await startGitHttpServer();
  seed = await tempRepo('test-node');
});
afterAll(async () => {
  await server.close();
  await seed.cleanup();
});

/** A new bare remote cloned from the seed, and `count` agent clones of it (native git clone over HTTP). */
async function setup(count = 1): Promise<{ url: string; bare: string; clones: StateRepo[] }> {
  const { url, dir } = await publishBare(server, seed.repo.dir, `state-${++counter}.git`);
  const clones: StateRepo[] = [];
  for (let i = 0; i < count; i++) {
    const dirI = await cloneOverHttp(url, join(seed.root, `clone-${counter}-${i}`));
    await git(dirI, 'config', 'stella.signingkey', seed.key.keyId);
    clones.push(await openStateRepo(dirI));
  }
  return { url, bare: dir, clones };
}

async function scanAndCommit(repo: StateRepo, target: string, packages: string[] = ['lodash@4.17.21']): Promise<string> {
  const file = join(seed.root, `${target}-${++counter}.cdx.json`);
  const components = packages.map((p) => {
    const [name, version] = p.split('@') as [string, string];
    return { type: 'library', name, version, purl: `pkg:npm/${name}@${version}` };
  });
  await writeFile(file, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components }));
  const outcome = await scanTarget(file, { name: target });
  const committed = await commitReport(repo, outcome, { node: seed.node, key: seed.key });
  return committed.folder;
}

async function push(repo: StateRepo, credentials?: Credentials): Promise<PushResult> {
  return pushAgentBranch(repo.store, { node: seed.node, remote: await resolveRemote(repo.store.gitdir), credentials, backoff: { baseMs: 5, capMs: 50 } });
}

/** `count` report folders signed by the seed's node key, each SBOM `sbomBytes` random bytes. */
async function signedFiller(count: number, sbomBytes: number): Promise<Map<string, Uint8Array>> {
  const file = join(seed.root, `filler-${++counter}.cdx.json`);
  await writeFile(file, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }));
  const { report } = await scanTarget(file, { name: 'filler' });
  const filler = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const folder = `findings/${seed.node}/old-${i}`;
    const reportBytes = new TextEncoder().encode(serializeReport({ ...report, target: { ...report.target, name: `old-${i}` } }));
    const sbom = crypto.getRandomValues(new Uint8Array(sbomBytes));
    const statement = buildStatement({
      subjects: [
        { name: 'report.json', sha256: await sha256Hex(reportBytes) },
        { name: 'sbom.cdx.json', sha256: await sha256Hex(sbom) },
      ],
      predicateType: SCAN_PREDICATE_TYPE,
      predicate: { node: seed.node, target: { name: `old-${i}` }, sequence: 1, signedAt: new Date(0).toISOString() },
    });
    filler.set(`${folder}/report.json`, reportBytes);
    filler.set(`${folder}/sbom.cdx.json`, sbom);
    filler.set(`${folder}/report.sigstore.json`, new TextEncoder().encode(`${bundleToJson(await createBundle(statement, seed.key))}\n`));
  }
  return filler;
}

describe('stella push', () => {
  it('sends agents/<node> so that a native clone sees the report, and a second push is a no-op', async () => {
    const { url, bare, clones } = await setup();
    const repo = clones[0] as StateRepo;
    const folder = await scanAndCommit(repo, 'app-one');
    const result = await push(repo);
    expect(result).toMatchObject({ status: 'pushed', branch: 'agents/test-node', commits: 1, attempts: 1, replayed: 0 });

    const check = await cloneOverHttp(url, join(seed.root, `check-${counter}`), { branch: 'agents/test-node' });
    const local = await repo.store.readFile(result.commit, `${folder}/report.json`);
    expect(await readFile(join(check, folder, 'report.json'))).toEqual(Buffer.from(local as Uint8Array));
    expect((await git(check, 'rev-parse', 'HEAD')).trim()).toBe(result.commit);
    await fsckStrict(bare);

    const again = await push(repo);
    expect(again).toMatchObject({ status: 'up-to-date', commit: result.commit, objects: 0 });
  });

  it('replays onto another writer of the same node: both reports kept, the local one wins the same path, signatures still verify', async () => {
    const { url, bare, clones } = await setup(2);
    const [a, b] = clones as [StateRepo, StateRepo];
    await scanAndCommit(a, 'shared-target', ['lodash@4.17.20']);
    await scanAndCommit(a, 'only-a');
    await push(a);
    const sharedB = await scanAndCommit(b, 'shared-target', ['lodash@4.17.21']);
    await scanAndCommit(b, 'only-b');
    const events: string[] = [];
    // With the node's key, B's report of the shared target is re-signed above A's sequence as it lands on top.
    const result = await pushAgentBranch(b.store, {
      node: seed.node,
      remote: await resolveRemote(b.store.gitdir),
      key: seed.key,
      onEvent: (event) => events.push(event.$case),
    });
    expect(result).toMatchObject({ status: 'pushed', replayed: 2 });
    expect(events).toEqual(['replayed']);

    const check = await cloneOverHttp(url, join(seed.root, `check-${counter}`), { branch: 'agents/test-node' });
    const findings = (await git(check, 'ls-tree', '-d', '--name-only', 'HEAD', 'findings/test-node/')).trim().split('\n');
    expect(findings).toEqual(['findings/test-node/only-a', 'findings/test-node/only-b', 'findings/test-node/shared-target']);
    expect(await readFile(join(check, sharedB, 'report.json'), 'utf8')).toContain('lodash@4.17.21');
    // A's version of the shared target is still in history, one commit below.
    const log = (await git(check, 'log', '--format=%s', 'HEAD')).trim().split('\n');
    expect(log.filter((s) => s.startsWith('scan shared-target'))).toHaveLength(2);
    await fsckStrict(bare);
    await git(check, 'fetch', '--quiet', 'origin', 'main:main');
    const verified = await verifyRepository((await openStateRepo(check)).store, { main: 'main', branches: ['agents/test-node'] });
    expect(verified.failures).toEqual([]);
    expect(verified.reports).toBe(3);
  });

  it('gives up after the attempt limit while another writer keeps winning, never forcing; a later push lands everything', async () => {
    const { url, bare, clones } = await setup();
    const repo = clones[0] as StateRepo;
    const folder = await scanAndCommit(repo, 'patient');
    // The rival: a native clone that pushes a commit of its own to agents/test-node right before each of our pushes.
    // Its commits are signed reports of the same node: what a replay builds on must pass admission.
    const rival = await cloneOverHttp(url, join(seed.root, `rival-${counter}`));
    const rivalRepo = await openStateRepo(rival);
    let rivalCommits = 0;
    const rivalPush = async (): Promise<void> => {
      rivalCommits += 1;
      await scanAndCommit(rivalRepo, `rival-${rivalCommits}`);
      await git(rival, 'push', '--quiet', 'origin', 'agents/test-node');
    };
    const http: Transport = async (requestUrl, request) => {
      if (request.method === 'POST' && requestUrl.endsWith('/git-receive-pack')) await rivalPush();
      return webTransport(requestUrl, request);
    };
    const remote = await resolveRemote(repo.store.gitdir);
    const retries: number[] = [];
    await expect(
      pushAgentBranch(repo.store, { node: seed.node, remote, http, maxAttempts: 3, backoff: { baseMs: 1, capMs: 5 }, onEvent: (e) => e.$case === 'retry' && retries.push(e.attempt) }),
    ).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', message: `push of agents/test-node to ${url} was still rejected after 3 attempts (failed to update ref); other writers keep moving it, try again later` });
    expect(retries).toEqual([1, 2]);
    // Nothing of the rival's was overwritten, and our report is still here, now on top of what we last fetched.
    expect((await git(bare, 'log', '--format=%s', 'agents/test-node')).trim().split('\n').slice(0, 3).map((subject) => subject.split(':')[0])).toEqual(['scan rival-3', 'scan rival-2', 'scan rival-1']);
    expect(await repo.store.readFile((await repo.store.branchTip('agents/test-node')) as string, `${folder}/report.json`)).toBeDefined();

    const later = await push(repo);
    expect(later).toMatchObject({ status: 'pushed', replayed: 1 });
    const files = await git(bare, 'ls-tree', '-r', '--name-only', 'agents/test-node');
    expect(files).toContain(`${folder}/report.json`);
    expect(files).toContain('findings/test-node/rival-3/report.json');
    await fsckStrict(bare);
  });

  it('recovers when a tracking ref names a commit the remote does not have (history rewritten and pruned)', async () => {
    const { bare, clones } = await setup();
    const repo = clones[0] as StateRepo;
    // A commit that once was on the remote's agents/test-node, as this clone remembers it; the remote has never seen it.
    const gone = await repo.store.commit({ branch: 'agents/test-node', startFrom: 'main', changes: new Map([['findings/test-node/old/report.json', new TextEncoder().encode('{}\n'.repeat(200))]]), message: 'old', author: { name: 't', email: 't@x' } });
    await git(repo.dir, 'update-ref', 'refs/remotes/origin/agents/test-node', gone.oid);
    const folder = await scanAndCommit(repo, 'after-rewrite');
    const result = await push(repo);
    expect(result).toMatchObject({ status: 'pushed', attempts: 2, commits: 2 });
    expect(await git(bare, 'ls-tree', '-r', '--name-only', 'agents/test-node')).toContain(`${folder}/report.json`);
    await fsckStrict(bare);
  });

  it('pushes to an empty repository given with --remote, keeping its tracking refs apart from origin', async () => {
    const { clones } = await setup();
    const repo = clones[0] as StateRepo;
    await scanAndCommit(repo, 'elsewhere');
    const bare = await server.createBare(`empty-${++counter}.git`);
    const remote = await resolveRemote(repo.store.gitdir, `${server.url}/empty-${counter}.git`);
    expect(remote.name).not.toBe('origin');
    const result = await pushAgentBranch(repo.store, { node: seed.node, remote });
    expect(result.status).toBe('pushed');
    expect((await git(bare, 'rev-parse', 'agents/test-node')).trim()).toBe(result.commit);
    expect((await git(repo.dir, 'rev-parse', `refs/remotes/${remote.name}/agents/test-node`)).trim()).toBe(result.commit);
    await expect(git(repo.dir, 'rev-parse', '--verify', '--quiet', 'refs/remotes/origin/agents/test-node')).rejects.toThrow();
    await fsckStrict(bare);
  });

  it('moves only the new report: push and pull bytes follow the change, not the repository', async () => {
    const { bare, clones } = await setup(2);
    const [a, b] = clones as [StateRepo, StateRepo];
    // 600 earlier signed reports with SBOMs of incompressible bytes (~2.5 MB), pushed once and pulled once
    // (signed, because a pull admits the node's branch only when every report on it verifies).
    const filler = await signedFiller(600, 4096);
    await a.store.commit({ branch: 'agents/test-node', startFrom: 'main', changes: filler, message: 'history', author: { name: 't', email: 't@x' } });
    const first = await push(a);
    expect(first.wire.bytesSent).toBeGreaterThan(2_400_000);
    const remote = await resolveRemote(b.store.gitdir);
    expect((await pullState(b, { node: seed.node, remote })).wire.bytesReceived).toBeGreaterThan(2_400_000);

    await scanAndCommit(a, 'one-more');
    let started = performance.now();
    const one = await push(a);
    const pushMs = performance.now() - started;
    expect(one).toMatchObject({ status: 'pushed', commits: 1 });
    // commit + root/findings/node/folder trees + 4 files; the 600-entry node tree goes as a small delta.
    expect(one.objects).toBe(9);
    expect(one.wire.bytesSent).toBeLessThan(8_000);

    started = performance.now();
    const pulled = await pullState(b, { node: seed.node, remote });
    const pullMs = performance.now() - started;
    expect(pulled.agent).toMatchObject({ status: 'fast-forwarded', to: one.commit });
    expect(pulled.wire.bytesReceived).toBeLessThan(8_000);
    await fsckStrict(b.dir);
    await fsckStrict(bare);
    console.log(
      `one report onto 600 (2.5 MB): push ${Math.round(pushMs)} ms, ${one.wire.bytesSent} B sent / ${one.wire.bytesReceived} B received, ${one.wire.requests} requests; ` +
        `pull ${Math.round(pullMs)} ms, ${pulled.wire.bytesSent} B sent / ${pulled.wire.bytesReceived} B received, ${pulled.wire.requests} requests`,
    );
  });
});

describe('stella pull', () => {
  it('applies a signed feed update from main, refuses an unsigned change and a signed rollback, changing nothing', async () => {
    const { url, clones } = await setup();
    const repo = clones[0] as StateRepo;
    const remote = await resolveRemote(repo.store.gitdir);
    // An operator's clone imports real advisories with the mesh's feeds key and pushes main.
    const operatorDir = await cloneOverHttp(url, join(seed.root, `operator-feeds-${counter}`));
    await git(operatorDir, 'config', 'stella.signingkey', seed.key.keyId);
    const operator = await openStateRepo(operatorDir);
    await importOsv(operator, [join(sharedData, 'osv', 'CRAN', 'all.zip')], { key: seed.key });
    await git(operatorDir, 'push', '--quiet', 'origin', 'main');
    const applied = await pullState(repo, { node: seed.node, remote });
    expect(applied.main.status).toBe('fast-forwarded');
    const good = await git(repo.dir, 'rev-parse', 'main');

    const shard = (await git(operatorDir, 'ls-tree', '--name-only', 'main', 'feeds/osv/shards/')).trim().split('\n')[0] as string;
    const original = await readFile(join(operatorDir, shard), 'utf8');
    const refused = async (pattern: RegExp): Promise<void> => {
      const refsBefore = await git(repo.dir, 'for-each-ref');
      await expect(pullState(repo, { node: seed.node, remote })).rejects.toMatchObject({ code: 'VERIFY_FAILED', message: expect.stringMatching(pattern) });
      expect(await git(repo.dir, 'for-each-ref')).toBe(refsBefore);
      expect((await git(repo.dir, 'rev-parse', 'main')).trim()).toBe(good.trim());
      expect(await git(repo.dir, 'status', '--porcelain')).toBe('');
    };

    // 1. A shard edited by hand: the signed manifest no longer covers it.
    await writeFile(join(operatorDir, shard), original.replace(/"summary":"/, '"summary":"tampered '));
    await git(operatorDir, ...NATIVE_ID, 'commit', '--quiet', '-am', 'tamper a shard');
    await git(operatorDir, 'push', '--quiet', 'origin', 'main');
    await refused(/does not verify .*SHA-256 .* differs from the manifest/);

    // 2. A properly re-signed manifest that drops an advisory: a rollback.
    await git(operatorDir, 'revert', '--no-edit', '--quiet', 'HEAD');
    const lines = original.trimEnd().split('\n');
    const droppedId = (JSON.parse(lines[0] as string) as { id: string }).id;
    const shorter = `${lines.slice(1).join('\n')}${lines.length > 1 ? '\n' : ''}`;
    await writeFile(join(operatorDir, shard), shorter);
    const manifestPath = join(operatorDir, 'feeds/osv/manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { records: number; shards: Record<string, { sha256: string; records: number }> };
    const key = shard.split('/').pop()?.replace('.jsonl', '') as string;
    manifest.shards[key] = { sha256: createHash('sha256').update(shorter).digest('hex'), records: lines.length - 1 };
    manifest.records -= 1;
    const manifestBytes = new TextEncoder().encode(sortedJson(manifest));
    await writeFile(manifestPath, manifestBytes);
    await writeFile(`${manifestPath}.jws`, `${await signDetachedJws(manifestBytes, seed.key)}\n`);
    await git(operatorDir, ...NATIVE_ID, 'commit', '--quiet', '-am', 'drop an advisory, re-signed');
    await git(operatorDir, 'push', '--quiet', 'origin', 'main');
    await refused(new RegExp(`refused as a rollback: it drops 1 \\(${droppedId}\\)`));
  });

  it('fast-forwards main after a native push to main and writes only the changed paths', async () => {
    const { url, clones } = await setup();
    const repo = clones[0] as StateRepo;
    const untouched = join(repo.dir, 'stella.yaml');
    const mtimeBefore = (await stat(untouched)).mtimeMs;

    const other = await cloneOverHttp(url, join(seed.root, `operator-${counter}`));
    await writeFile(join(other, 'NOTES.md'), 'rotate keys on Friday\n');
    await git(other, 'add', 'NOTES.md');
    await git(other, ...NATIVE_ID, 'commit', '--quiet', '-m', 'operator note');
    await git(other, 'push', '--quiet', 'origin', 'main');
    const pushed = (await git(other, 'rev-parse', 'HEAD')).trim();

    const result = await pullState(repo, { node: seed.node, remote: await resolveRemote(repo.store.gitdir) });
    expect(result.main).toMatchObject({ status: 'fast-forwarded', to: pushed, changedPaths: 1, keptLocalEdits: [] });
    expect(result.agent.status).toBe('absent');
    expect(await readFile(join(repo.dir, 'NOTES.md'), 'utf8')).toBe('rotate keys on Friday\n');
    expect((await stat(untouched)).mtimeMs).toBe(mtimeBefore);
    expect(await git(repo.dir, 'status', '--porcelain')).toBe('');
    expect((await git(repo.dir, 'rev-parse', 'main')).trim()).toBe(pushed);

    await fsckStrict(repo.dir);
    const again = await pullState(repo, { node: seed.node, remote: await resolveRemote(repo.store.gitdir) });
    expect(again.main.status).toBe('up-to-date');
  });

  it('refuses when the remote rewrote main (force-push) and leaves every local branch and file as it was', async () => {
    const { url, clones } = await setup();
    const repo = clones[0] as StateRepo;
    const operator = await cloneOverHttp(url, join(seed.root, `operator-${counter}`));
    await writeFile(join(operator, 'NOTES.md'), 'v1\n');
    await git(operator, 'add', 'NOTES.md');
    await git(operator, ...NATIVE_ID, 'commit', '--quiet', '-m', 'note v1');
    await git(operator, 'push', '--quiet', 'origin', 'main');
    const remote = await resolveRemote(repo.store.gitdir);
    await pullState(repo, { node: seed.node, remote });

    await git(operator, 'reset', '--quiet', '--hard', 'HEAD~1');
    await writeFile(join(operator, 'NOTES.md'), 'rewritten\n');
    await git(operator, 'add', 'NOTES.md');
    await git(operator, ...NATIVE_ID, 'commit', '--quiet', '-m', 'note rewritten');
    await git(operator, 'push', '--quiet', '--force', 'origin', 'main');

    const refsBefore = await git(repo.dir, 'for-each-ref');
    await expect(pullState(repo, { node: seed.node, remote })).rejects.toMatchObject({
      code: 'REPO_INVALID',
      message: expect.stringMatching(/cannot fast-forward main .* history was rewritten .*nothing local was changed/),
    });
    expect(await git(repo.dir, 'for-each-ref')).toBe(refsBefore);
    expect(await readFile(join(repo.dir, 'NOTES.md'), 'utf8')).toBe('v1\n');
    expect(await git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it("fast-forwards this node's branch pushed from another clone, receiving only the new report", async () => {
    const { clones } = await setup(2);
    const [a, b] = clones as [StateRepo, StateRepo];
    await scanAndCommit(a, 'first');
    await push(a);
    const remote = await resolveRemote(b.store.gitdir);
    expect((await pullState(b, { node: seed.node, remote })).agent.status).toBe('created');
    await scanAndCommit(a, 'second');
    const pushed = await push(a);
    const result = await pullState(b, { node: seed.node, remote });
    expect(result.agent).toMatchObject({ status: 'fast-forwarded', to: pushed.commit });
    expect(result.main.status).toBe('up-to-date');
    expect(result.wire.bytesReceived).toBeLessThan(20_000);
    await fsckStrict(b.dir);
  });
});

describe('credentials', () => {
  it('a wrong password or none gives a clear error naming the remote; the right one pushes and is never stored', async () => {
    const guarded = await startGitHttpServer({ auth: { username: 'agent', password: 'right-secret' } });
    try {
      const { url } = await publishBare(guarded, seed.repo.dir, 'locked.git');
      // The operator's clone carries no credentials: they come from the agent's environment.
      const dir = join(seed.root, `locked-${++counter}`);
      await git(seed.root, 'clone', '--quiet', '--no-checkout', seed.repo.dir, dir);
      await git(dir, 'remote', 'set-url', 'origin', url);
      await git(dir, 'checkout', '--quiet', 'main');
      const repo = await openStateRepo(dir);
      await scanAndCommit(repo, 'locked-app');

      await expect(push(repo, { username: 'agent', password: 'wrong', source: 'STELLA_GIT_* environment variables' })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: `remote ${url} rejected the credentials from STELLA_GIT_* environment variables`,
      });
      await expect(push(repo)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(`remote ${url} requires credentials`) });
      await expect(pullState(repo, { node: seed.node, remote: await resolveRemote(repo.store.gitdir) })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });

      const ok = await push(repo, { username: 'agent', password: 'right-secret', source: 'test' });
      expect(ok.status).toBe('pushed');
      const pulled = await pullState(repo, { node: seed.node, remote: await resolveRemote(repo.store.gitdir), credentials: { username: 'agent', password: 'right-secret', source: 'test' } });
      expect(pulled.agent.status).toBe('up-to-date');
      expect(await readFile(join(dir, '.git', 'config'), 'utf8')).not.toContain('right-secret');
    } finally {
      await guarded.close();
    }
  });
});
