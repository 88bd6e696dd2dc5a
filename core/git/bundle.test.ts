/**
 * Git bundles against the real thing: native git verifies, clones and
 * fetches our bundles; our importer takes native bundles (full and thin);
 * `git fsck --strict` is the judge; hostile and broken inputs change nothing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStellaError } from '../errors.js';
import { packLimits as limits } from '../../test/helpers/pack-limits.js';
import { hostileDir } from '../../test/helpers/paths.js';
import { fsckStrict, git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { checkRefName, formatBundleHeader, parseBundle } from './bundle-format.js';
import { createBundle, importBundle, type CreatedBundle } from './bundle.js';
import { GitStore } from './git-store.js';
import { walkObjects } from './object-walk.js';

const execFileAsync = promisify(execFile);

let t = 0;
const author = (): { name: string; email: string; timestamp: number } => ({ name: 'Test', email: 'test@example.invalid', timestamp: 1_700_000_000 + t++ });

/** A report of a few KB in which one line changes per scan: git deltifies such blobs. */
function report(target: string, scan: number): Uint8Array {
  const findings = Array.from({ length: 40 }, (_, i) => ({ id: `GHSA-${target}-${i}`, package: `pkg-${i}`, severity: i % 3 === 0 ? 'high' : 'low' }));
  return new TextEncoder().encode(`${JSON.stringify({ target, scan, findings }, null, 2)}\n`);
}

async function scan(store: GitStore, branch: string, target: string, n: number, startFrom?: string): Promise<string> {
  const result = await store.commit({
    branch,
    ...(startFrom === undefined ? {} : { startFrom }),
    changes: new Map([[`findings/node-1/${target}/report.json`, report(target, n)]]),
    message: `scan ${target} #${n}`,
    author: author(),
  });
  return result.oid;
}

async function save(file: string, created: CreatedBundle): Promise<void> {
  await writeFile(file, Buffer.concat(created.chunks));
}

async function emptyRepo(dir: string): Promise<GitStore> {
  await execFileAsync('git', ['init', '-q', '-b', 'main', dir]);
  return new GitStore({ fs, dir });
}

/** Refs and every file under .git/objects with its hash: equal snapshots mean nothing changed. */
async function snapshot(dir: string): Promise<string> {
  const refs = await git(dir, 'for-each-ref');
  const files: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.push(`${relative(dir, full)} ${createHash('sha256').update(await readFile(full)).digest('hex')}`);
    }
  };
  await walk(join(dir, '.git', 'objects'));
  return `${refs}\n${files.sort().join('\n')}`;
}

async function refsOf(dir: string, prefix: string): Promise<string[]> {
  const out = await git(dir, 'for-each-ref', '--format=%(objectname) %(refname)', prefix);
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(prefix, ''));
}

async function revListObjects(dir: string, ...revs: string[]): Promise<string[]> {
  const out = await git(dir, 'rev-list', '--objects', ...revs);
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(0, 40))
    .sort();
}

async function expectRejected(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isStellaError(error), String(error)).toBe(true);
  const { code: actual, message } = error as { code: string; message: string };
  expect(actual).toBe(code);
  expect(message).toMatch(pattern);
  expect(message).not.toContain('\n');
}

describe('bundle header', () => {
  it('checkRefName agrees with git check-ref-format', async () => {
    const names = [
      'refs/heads/main',
      'refs/heads/agents/node-1',
      'refs/tags/v1.0',
      'refs/heads/a..b',
      'refs/heads/x/../../../y',
      'refs/heads/../../x',
      'refs/heads/.hidden',
      'refs/heads/a/.b',
      'refs/heads/main.lock',
      'refs/heads/a.lock/b',
      'refs/heads/a@{1}',
      'refs/heads/with space',
      'refs/heads/tab\there',
      'refs/heads/ends.',
      'refs/heads/ends/',
      'refs/heads//double',
      '/refs/heads/lead',
      'refs/heads/star*',
      'refs/heads/q?',
      'refs/heads/[x',
      'refs/heads/back\\slash',
      'refs/heads/col:on',
      'refs/heads/tilde~1',
      'refs/heads/caret^',
      'refs/heads/del\u007f',
      'refs/heads/ünïcødé',
      'refs/heads/@',
      '@',
      'main',
      'refs/heads/a@b',
    ];
    for (const name of names) {
      const native = await execFileAsync('git', ['check-ref-format', name]).then(
        () => true,
        () => false,
      );
      expect(checkRefName(name) === undefined, `${JSON.stringify(name)}: ${checkRefName(name) ?? 'valid'}`).toBe(native);
    }
  });

  it('round-trips prerequisites, refs and HEAD, and keeps the pack intact', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const header = formatBundleHeader({ prerequisites: [{ oid: a, comment: 'scan #1' }], refs: [{ oid: b, name: 'refs/heads/main' }], head: b });
    const pack = new Uint8Array([0x50, 0x41, 0x43, 0x4b, 1, 2, 3]);
    const parsed = parseBundle(new Uint8Array([...header, ...pack]), 'x.bundle');
    expect(new TextDecoder().decode(header)).toBe(`# v2 git bundle\n-${a} scan #1\n${b} refs/heads/main\n${b} HEAD\n\n`);
    expect(parsed.prerequisites).toEqual([{ oid: a, comment: 'scan #1' }]);
    expect(parsed.refs).toEqual([{ oid: b, name: 'refs/heads/main' }]);
    expect(parsed.head).toBe(b);
    expect([...parsed.pack]).toEqual([...pack]);
  });

  it.each([
    ['# v9 git bundle\nx refs/heads/main\n\n', /not a v2 git bundle/],
    ['# v3 git bundle\n@object-format=sha1\n\n', /v3 is not supported/],
    ['PACK....', /not a v2 git bundle|truncated/],
    [`# v2 git bundle\n${'a'.repeat(39)} refs/heads/main\n\nPACK`, /line 2 is not '<40-hex oid> <refname>'/],
    [`# v2 git bundle\n${'A'.repeat(40)} refs/heads/main\n\nPACK`, /line 2/],
    [`# v2 git bundle\n-${'a'.repeat(40)}x\n${'b'.repeat(40)} refs/heads/main\n\nPACK`, /line 2 is not a prerequisite/],
    [`# v2 git bundle\n${'a'.repeat(40)} refs/heads/main\n`, /truncated/],
    ['# v2 git bundle\n\nPACK', /lists no refs/],
    [`# v2 git bundle\n${'a'.repeat(40)} refs/heads/main\n${'b'.repeat(40)} refs/heads/main\n\nPACK`, /listed twice/],
  ])('rejects %j', (text, pattern) => {
    expect(() => parseBundle(new TextEncoder().encode(text), 'x.bundle')).toThrow(pattern);
  });
});

describe('createBundle → native git', () => {
  let source: TempRepo;
  let store: GitStore;
  let dir: string;
  let first: string;
  let middle: string;
  let full: CreatedBundle;

  beforeAll(async () => {
    source = await tempRepo('bundle-src');
    store = source.repo.store;
    dir = source.repo.dir;
    first = await scan(store, 'main', 'app', 1);
    await scan(store, 'agents/node-1', 'api', 1, 'main');
    middle = await scan(store, 'main', 'app', 2);
    await scan(store, 'agents/node-1', 'api', 2);
    await scan(store, 'main', 'web', 1);
    full = await createBundle(store);
    await save(join(source.root, 'full.bundle'), full);
  });
  afterAll(() => source.cleanup());

  it('a full bundle carries the whole history: git bundle verify, git clone with the same refs, fsck --strict clean', async () => {
    expect(full.header.prerequisites).toEqual([]);
    const verified = await execFileAsync('git', ['bundle', 'verify', join(source.root, 'full.bundle')], { cwd: dir });
    expect(verified.stderr + verified.stdout).toMatch(/complete history/);
    const clone = join(source.root, 'clone');
    await git(source.root, 'clone', '-q', join(source.root, 'full.bundle'), clone);
    const cloned = (await refsOf(clone, 'refs/remotes/origin/')).filter((line) => !line.endsWith(' HEAD'));
    expect(cloned).toEqual(await refsOf(dir, 'refs/heads/'));
    expect((await git(clone, 'rev-parse', 'HEAD')).trim()).toBe(await store.branchTip('main'));
    expect((await git(clone, 'rev-list', '--count', '--all')).trim()).toBe((await git(dir, 'rev-list', '--count', '--branches')).trim());
    await fsckStrict(clone);
  });

  it('lists exactly the objects git rev-list --objects lists, full and incremental', async () => {
    const tips = (await refsOf(dir, 'refs/heads/')).map((line) => line.slice(0, 40));
    const all = await walkObjects(store, { include: tips });
    expect([...all.commits, ...all.trees, ...all.blobs].sort()).toEqual(await revListObjects(dir, '--branches'));
    const since = await walkObjects(store, { include: tips, exclude: [middle] });
    expect([...since.commits, ...since.trees, ...since.blobs].sort()).toEqual(await revListObjects(dir, '--branches', `^${middle}`));
    // agents/node-1 forked at the first commit: that one is a boundary too, as git rev-list --boundary says.
    const nativeBoundary = (await git(dir, 'rev-list', '--boundary', '--branches', `^${middle}`))
      .split('\n')
      .filter((line) => line.startsWith('-'))
      .map((line) => line.slice(1))
      .sort();
    expect(since.boundary).toEqual(nativeBoundary);
    expect(since.boundary).toEqual([first, middle].sort());
  });

  it('is deterministic: the same repository gives the same bytes', async () => {
    const again = await createBundle(store);
    expect(Buffer.concat(again.chunks).equals(Buffer.concat(full.chunks))).toBe(true);
  });

  it('an incremental bundle (--since a commit) is fetched by a clone that holds the prerequisite', async () => {
    const holder = join(source.root, 'holder');
    await git(source.root, 'clone', '-q', '--no-checkout', dir, holder);
    await git(holder, 'update-ref', '-d', 'refs/remotes/origin/agents/node-1');
    await git(holder, 'update-ref', 'refs/remotes/origin/main', first);
    await git(holder, 'reflog', 'expire', '--expire=now', '--all');
    await git(holder, 'gc', '-q', '--prune=now');
    const inc = await createBundle(store, { since: [first] });
    expect(inc.header.prerequisites.map((p) => p.oid)).toEqual([first]);
    expect(inc.header.prerequisites[0]?.comment).toBe('scan app #1');
    await save(join(source.root, 'inc.bundle'), inc);
    await execFileAsync('git', ['bundle', 'verify', join(source.root, 'inc.bundle')], { cwd: holder });
    await git(holder, 'fetch', '-q', join(source.root, 'inc.bundle'), 'refs/heads/*:refs/remotes/inc/*');
    expect(await refsOf(holder, 'refs/remotes/inc/')).toEqual(await refsOf(dir, 'refs/heads/'));
    await fsckStrict(holder);
  });

  it('an incremental walk reads the new commits and trees, not the history', async () => {
    const big = await tempRepo('bundle-walk');
    try {
      for (let i = 0; i < 60; i++) await scan(big.repo.store, 'main', `t${i % 6}`, i);
      const base = (await big.repo.store.branchTip('main')) as string;
      const tip = await scan(big.repo.store, 'main', 't0', 99);
      let reads = 0;
      const counting = {
        promises: new Proxy(fs.promises, {
          get(target, name, receiver): unknown {
            const value: unknown = Reflect.get(target, name, receiver);
            if (name !== 'readFile' || typeof value !== 'function') return value;
            return (path: string, ...rest: unknown[]) => {
              if (String(path).includes('/objects/')) reads++;
              return (value as (...args: unknown[]) => unknown).call(target, path, ...rest);
            };
          },
        }),
      };
      const walk = await walkObjects({ fs: counting, gitdir: big.repo.store.gitdir, cache: {} }, { include: [tip], exclude: [base] });
      expect(walk.commits).toEqual([tip]);
      // Two commits, the base snapshot's trees (each once, to know what the receiver has), the new trees.
      const baseTrees = (await git(big.repo.dir, 'ls-tree', '-r', '-t', base)).split('\n').filter((line) => / tree /.test(line)).length + 1;
      expect(reads).toBeLessThanOrEqual(2 + baseTrees + walk.trees.length);
      expect(walk.trees.length).toBe(4);
      expect([...walk.commits, ...walk.trees, ...walk.blobs].sort()).toEqual(await revListObjects(big.repo.dir, tip, `^${base}`));
    } finally {
      await big.cleanup();
    }
  });

  it('refuses to write an empty bundle when nothing is new', async () => {
    const tips = (await refsOf(dir, 'refs/heads/')).map((line) => line.slice(0, 40));
    await expectRejected(createBundle(store, { since: tips }), 'USAGE', /nothing to export/);
  });
});

describe('importBundle', () => {
  let source: TempRepo;
  let store: GitStore;
  let dir: string;
  let root: string;
  let a: string;
  let n = 0;
  const target = async (): Promise<GitStore> => emptyRepo(join(root, `target-${n++}`));

  beforeAll(async () => {
    source = await tempRepo('bundle-import');
    root = source.root;
    store = source.repo.store;
    dir = source.repo.dir;
    for (let i = 0; i < 4; i++) await scan(store, 'main', `t${i % 2}`, i);
    a = (await store.branchTip('main')) as string;
    await scan(store, 'agents/node-1', 'api', 1, 'main');
    for (let i = 4; i < 8; i++) await scan(store, 'main', `t${i % 2}`, i);
  });
  afterAll(() => source.cleanup());

  it('imports a native full bundle (git bundle create --all): same refs, git fsck --strict clean', async () => {
    await git(dir, 'bundle', 'create', '-q', join(root, 'native-full.bundle'), '--all');
    const into = await target();
    const result = await importBundle(into, await readFile(join(root, 'native-full.bundle')), { limits, source: 'native-full.bundle' });
    expect(result.updates.map((u) => [u.ref, u.status])).toEqual([
      ['refs/heads/agents/node-1', 'created'],
      ['refs/heads/main', 'created'],
    ]);
    expect(await refsOf(into.dir, 'refs/heads/')).toEqual(await refsOf(dir, 'refs/heads/'));
    await fsckStrict(into.dir);
    expect((await readdir(join(into.gitdir, 'objects'))).filter((name) => name.startsWith('tmp_'))).toEqual([]);
  });

  it('imports a native thin incremental bundle (A..main): completed from local objects, git fsck --strict clean', async () => {
    const into = await target();
    await git(dir, 'branch', '-f', 'at-a', a);
    await git(dir, 'bundle', 'create', '-q', join(root, 'at-a.bundle'), 'at-a');
    await git(dir, 'branch', '-D', 'at-a');
    await importBundle(into, await readFile(join(root, 'at-a.bundle')), { limits });
    await git(dir, 'bundle', 'create', '-q', join(root, 'thin.bundle'), `${a}..main`);
    const result = await importBundle(into, await readFile(join(root, 'thin.bundle')), { limits, source: 'thin.bundle' });
    expect(result.prerequisites).toEqual([a]);
    expect(result.completedFromLocal).toBeGreaterThan(0);
    expect(result.updates.map((u) => [u.ref, u.status])).toEqual([['refs/heads/main', 'created']]);
    expect((await git(into.dir, 'rev-parse', 'refs/heads/main')).trim()).toBe(await store.branchTip('main'));
    await fsckStrict(into.dir);
  });

  it('round-trips our own full and incremental bundles, fast-forwarding main', async () => {
    const into = await target();
    const whole = await createBundle(store, { refs: ['refs/heads/main'] });
    // A bundle of the history up to A, under a temporary branch name.
    await git(dir, 'branch', '-f', 'at-a', a);
    const atA = await createBundle(store, { refs: ['refs/heads/at-a'] });
    await git(dir, 'branch', '-D', 'at-a');
    await importBundle(into, Buffer.concat(atA.chunks), { limits });
    await git(into.dir, 'update-ref', 'refs/heads/main', a);
    const inc = await createBundle(store, { refs: ['refs/heads/main'], since: [a] });
    const result = await importBundle(into, Buffer.concat(inc.chunks), { limits });
    expect(result.updates).toMatchObject([{ ref: 'refs/heads/main', status: 'updated', previous: a, oid: await store.branchTip('main') }]);
    await fsckStrict(into.dir);
    const again = await importBundle(into, Buffer.concat(whole.chunks), { limits });
    expect(again.updates).toMatchObject([{ ref: 'refs/heads/main', status: 'unchanged' }]);
    await fsckStrict(into.dir);
  });

  it('refuses a branch that is not a fast-forward (local ref untouched) unless forced', async () => {
    const into = await target();
    await importBundle(into, Buffer.concat((await createBundle(store)).chunks), { limits });
    const local = await scan(into, 'main', 'local-only', 1);
    const bundle = Buffer.concat((await createBundle(store)).chunks);
    const refused = await importBundle(into, bundle, { limits });
    const main = refused.updates.find((u) => u.ref === 'refs/heads/main');
    expect(main).toMatchObject({ status: 'refused', previous: local });
    expect(main?.reason).toMatch(/not a fast-forward/);
    expect(refused.updates.find((u) => u.ref === 'refs/heads/agents/node-1')?.status).toBe('unchanged');
    expect((await git(into.dir, 'rev-parse', 'refs/heads/main')).trim()).toBe(local);
    const forced = await importBundle(into, bundle, { limits, force: true });
    expect(forced.updates.find((u) => u.ref === 'refs/heads/main')?.status).toBe('forced');
    expect((await git(into.dir, 'rev-parse', 'refs/heads/main')).trim()).toBe(await store.branchTip('main'));
    await fsckStrict(into.dir);
  });

  it('with asRemote writes branches under refs/remotes/<name>/ and leaves refs/heads alone', async () => {
    const into = await target();
    const result = await importBundle(into, Buffer.concat((await createBundle(store)).chunks), { limits, asRemote: 'bundle' });
    expect(result.updates.map((u) => u.ref)).toEqual(['refs/remotes/bundle/agents/node-1', 'refs/remotes/bundle/main']);
    expect(await refsOf(into.dir, 'refs/heads/')).toEqual([]);
    expect(await refsOf(into.dir, 'refs/remotes/bundle/')).toEqual(await refsOf(dir, 'refs/heads/'));
  });

  it('missing prerequisites: clear error, repository byte-for-byte unchanged', async () => {
    const into = await target();
    await scan(into, 'main', 'unrelated', 1);
    const before = await snapshot(into.dir);
    const inc = Buffer.concat((await createBundle(store, { since: [a] })).chunks);
    await expectRejected(importBundle(into, inc, { limits, source: 'inc.bundle' }), 'NOT_FOUND', /^inc\.bundle: this repository lacks 1 prerequisite commit\(s\).*import the earlier bundle first/);
    expect(await snapshot(into.dir)).toBe(before);
  });

  it('a truncated bundle: clear error, repository byte-for-byte unchanged', async () => {
    const into = await target();
    await scan(into, 'main', 'unrelated', 1);
    const before = await snapshot(into.dir);
    const bundle = Buffer.concat((await createBundle(store)).chunks);
    for (const length of [bundle.length - 1, Math.floor(bundle.length / 2), 100, 20]) {
      const cut = bundle.subarray(0, length);
      const error = await importBundle(into, cut, { limits, source: 'cut.bundle' }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isStellaError(error)).toBe(true);
      expect((error as Error).message).toMatch(/^cut\.bundle: .*(checksum mismatch|truncated|too short)/);
    }
    expect(await snapshot(into.dir)).toBe(before);
  });

  it('a bundle whose history is incomplete is refused after indexing, and its pack is withdrawn', async () => {
    const into = await target();
    await scan(into, 'main', 'unrelated', 1);
    const before = await snapshot(into.dir);
    // An incremental pack presented as a complete bundle: its commits' parents are nowhere.
    const inc = await createBundle(store, { since: [a] });
    const header = formatBundleHeader({ prerequisites: [], refs: inc.header.refs });
    await expectRejected(importBundle(into, Buffer.concat([header, inc.chunks[1] as Uint8Array]), { limits, source: 'partial.bundle' }), 'REPO_INVALID', /history is incomplete/);
    expect(await snapshot(into.dir)).toBe(before);
  });
});

interface HostileCase {
  name: string;
  path: string;
  kind: string;
  expected: 'reject' | 'accept-partial' | 'accept';
  also_ok?: string[];
}

describe('importBundle: hostile corpus (make-hostile.py, kind bundle)', () => {
  const cases = (JSON.parse(fs.readFileSync(join(hostileDir, 'cases.json'), 'utf8')) as { cases: HostileCase[] }).cases.filter((c) => c.kind === 'bundle');
  let root: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const temp = await tempRepo('hostile');
    root = temp.root;
    cleanup = temp.cleanup;
  });
  afterAll(() => cleanup());

  it('has the bundle cases', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(['bundle-bad-header', 'bundle-bad-pack-checksum', 'bundle-ref-dotdot']);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (name, hostile) => {
    const into = await emptyRepo(join(root, name));
    const before = await snapshot(into.dir);
    const outside = fs.readdirSync(root).sort();
    const started = performance.now();
    const result = await importBundle(into, fs.readFileSync(join(hostileDir, hostile.path)), { limits, source: hostile.path }).catch((caught: unknown) => {
      if (!isStellaError(caught)) throw caught;
      return caught;
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(fs.readdirSync(root).sort()).toEqual(outside);
    if ('code' in result) {
      expect(hostile.expected).toBe('reject');
      expect(result.message.startsWith(`${hostile.path}: `)).toBe(true);
      expect(result.message).toMatch(name === 'bundle-bad-header' ? /not a v2 git bundle/ : /checksum mismatch/);
      expect(await snapshot(into.dir)).toBe(before);
      return;
    }
    expect(hostile.expected).toBe('accept-partial');
    expect(result.skipped.map((s) => s.name)).toEqual(['refs/heads/a..b', 'refs/heads/x/../../../y', 'refs/heads/../../x']);
    expect(result.skipped.every((s) => s.reason === "contains '..'")).toBe(true);
    expect(result.updates).toMatchObject([{ ref: 'refs/heads/main', status: 'created' }]);
    expect(await refsOf(into.dir, 'refs/')).toEqual([`${result.updates[0]?.oid} heads/main`]);
    expect(fs.existsSync(join(into.gitdir, 'y')) || fs.existsSync(join(into.dir, 'x'))).toBe(false);
    await fsckStrict(into.dir);
  });
});
