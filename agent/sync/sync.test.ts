/**
 * `stella sync export|import` as registered by agent/cli/commands/sync.ts,
 * run in-process through commander, between real state repositories and
 * native git clones.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fsckStrict, git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { registerSync } from '../cli/commands/sync.js';
import type { CommandResult } from '../cli/context.js';
import { AGENT_IDENTITY, openStateRepo } from '../repo/state-repo.js';
import { commitReport } from '../scan/commit-report.js';
import { scanTarget } from '../scan/scan.js';
import type { GitStore } from '../../core/git/git-store.js';

let home: string;
const saved = { ...process.env };
let stderr: string[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'stella-sync-home-'));
  process.env['STELLA_HOME'] = home;
  delete process.env['STELLA_CONFIG'];
  delete process.env['STELLA_REPO'];
});
afterAll(async () => {
  process.env = saved;
  await rm(home, { recursive: true, force: true });
});
beforeEach(() => {
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function stella(...args: string[]): Promise<CommandResult> {
  let result: CommandResult = { exitCode: -1 };
  const program = new Command('stella').option('--repo <dir>').option('-q, --quiet').option('--verbose').exitOverride();
  registerSync(program, (r) => {
    result = r;
  });
  await program.parseAsync(['node', 'stella', ...args]);
  return result;
}

/** Makes process.stderr look like a terminal, or not, for the loggers and progress lines the commands create; returns the undo. */
function stderrIsTerminal(tty: boolean): () => void {
  const had = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true });
  return () => {
    if (had === undefined) Reflect.deleteProperty(process.stderr, 'isTTY');
    else Object.defineProperty(process.stderr, 'isTTY', had);
  };
}

let scans = 0;
let source: TempRepo;
/**
 * A signed scan report of `target` (a new version each call), on the node's
 * branch; on main too when asked, as a merged review would bring it — the
 * admission every import runs refuses unsigned reports.
 */
async function scan(store: GitStore, target: string, branch = 'main'): Promise<string> {
  const n = scans++;
  const sbom = join(source.root, `${target}-${n}.cdx.json`);
  const components = Array.from({ length: 20 }, (_, i) => ({ type: 'library', name: `pkg-${i}`, version: `1.${n}.0`, purl: `pkg:npm/pkg-${i}@1.${n}.0` }));
  await writeFile(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components }));
  const repo = store === source.repo.store ? source.repo : await openStateRepo(store.dir);
  const committed = await commitReport(repo, await scanTarget(sbom, { name: target }), { node: source.node, key: source.key });
  if (branch !== 'main') return committed.commit;
  const changes = new Map<string, Uint8Array | null>();
  for (const file of await store.walkFiles(committed.commit, committed.folder)) changes.set(file.path, await store.readBlob(file.oid));
  const result = await store.commit({ branch, changes, message: `scan ${target}`, author: { ...AGENT_IDENTITY, timestamp: 1_700_000_000 + n } });
  return result.oid;
}

describe('stella sync', () => {
  let root: string;

  beforeAll(async () => {
    source = await tempRepo('sync-node');
    root = source.root;
    await scan(source.repo.store, 'app');
    await scan(source.repo.store, 'api', 'agents/sync-node');
  });
  afterAll(() => source.cleanup());

  it('export, then export --since that bundle; a clone of the first imports the second, work tree kept clean', async () => {
    const full = join(root, 'full.bundle');
    expect(await stella('--repo', source.repo.dir, 'sync', 'export', '-o', full)).toEqual({ exitCode: 0 });
    await git(source.repo.dir, 'bundle', 'verify', '-q', full);
    const target = join(root, 'target');
    await git(root, 'clone', '-q', full, target);
    expect((await git(target, 'rev-parse', 'HEAD')).trim()).toBe(await source.repo.store.branchTip('main'));

    const before = (await source.repo.store.branchTip('main')) as string;
    await scan(source.repo.store, 'web');
    await scan(source.repo.store, 'app');
    const inc = join(root, 'inc.bundle');
    expect(await stella('--repo', source.repo.dir, 'sync', 'export', '--since', full, '-o', inc)).toEqual({ exitCode: 0 });
    const verified = await git(target, 'bundle', 'verify', inc);
    expect(verified).toContain(before);
    // Native git takes it too: a fetch into another clone of the first bundle.
    const fetcher = join(root, 'fetcher');
    await git(root, 'clone', '-q', '--bare', full, fetcher);
    await git(fetcher, 'fetch', '-q', inc, 'refs/heads/*:refs/remotes/inc/*');
    expect((await git(fetcher, 'rev-parse', 'refs/remotes/inc/main')).trim()).toBe(await source.repo.store.branchTip('main'));
    await fsckStrict(fetcher);

    expect(await stella('--repo', target, 'sync', 'import', inc)).toEqual({ exitCode: 0 });
    expect((await git(target, 'rev-parse', 'refs/heads/main')).trim()).toBe(await source.repo.store.branchTip('main'));
    expect(await git(target, 'status', '--porcelain')).toBe('');
    expect(await git(target, 'show', 'HEAD:findings/sync-node/web/report.json')).toContain('"name":"web"');
    expect(existsSync(join(target, 'findings', 'sync-node', 'web', 'report.json'))).toBe(true);
    await fsckStrict(target);
    expect(stderr.join('')).toMatch(/refs\/heads\/main: updated/);
  });

  it('shows its steps on a terminal, and off a terminal writes JSON lines only', async () => {
    const bundle = join(root, 'progress.bundle');
    let undo = stderrIsTerminal(false);
    try {
      expect(await stella('--repo', source.repo.dir, 'sync', 'export', '-o', bundle)).toEqual({ exitCode: 0 });
      expect(await stella('--repo', join(root, 'seeded-piped'), 'sync', 'import', bundle)).toEqual({ exitCode: 0 });
    } finally {
      undo();
    }
    const piped = stderr.join('');
    expect(piped).not.toMatch(/[\r\x1b]/);
    const lines = piped.split('\n').filter((line) => line !== '');
    expect(lines.map((line) => (JSON.parse(line) as { msg?: unknown }).msg)).toEqual([expect.stringMatching(/^wrote /), ...lines.slice(1, -1).map(() => expect.stringMatching(/^refs\/heads\//)), expect.stringMatching(/^imported /)]);

    stderr = [];
    undo = stderrIsTerminal(true);
    try {
      expect(await stella('--repo', source.repo.dir, 'sync', 'export', '-o', bundle)).toEqual({ exitCode: 0 });
      expect(await stella('--repo', join(root, 'seeded-tty'), 'sync', 'import', bundle)).toEqual({ exitCode: 0 });
    } finally {
      undo();
    }
    const shown = stderr.filter((chunk) => chunk.startsWith('\r\x1b[2K')).map((chunk) => chunk.slice(5));
    const refs = (await source.repo.store.listBranches()).length;
    expect(shown).toEqual([
      expect.stringMatching(new RegExp(`^packing the objects of ${refs} branches`)),
      expect.stringMatching(/^writing \d+ objects to /),
      '',
      expect.stringMatching(/^reading /),
      expect.stringMatching(new RegExp(`^verifying and storing ${refs} refs, \\d+ objects from `)),
      ...Array.from({ length: refs }, (_, i) => expect.stringMatching(new RegExp(`^checking ref ${i + 1}/${refs}: refs/heads/`))),
      'updating the work tree of refs/heads/main',
      `moving ${refs} refs`,
      '',
    ]);
  });

  it('export --since a ref with ~N carries only the newer commits', async () => {
    const out = join(root, 'last-two.bundle');
    expect(await stella('--repo', source.repo.dir, 'sync', 'export', '--since', 'main~2', '-o', out)).toEqual({ exitCode: 0 });
    const listed = await git(source.repo.dir, 'bundle', 'list-heads', out);
    expect(listed).toContain('refs/heads/main');
    const prerequisite = (await git(source.repo.dir, 'rev-parse', 'main~2')).trim();
    expect(await git(source.repo.dir, 'bundle', 'verify', out)).toContain(prerequisite);
  });

  it('a branch that would lose local commits is refused (exit 2) and kept; --force moves it; --as-remote writes refs/remotes/bundle/*', async () => {
    const clone = join(root, 'diverged');
    await git(root, 'clone', '-q', source.repo.dir, clone);
    await writeFile(join(clone, 'local.txt'), 'local\n');
    await git(clone, 'add', 'local.txt');
    await git(clone, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'local');
    const local = (await git(clone, 'rev-parse', 'HEAD')).trim();
    await scan(source.repo.store, 'app');
    const bundle = join(root, 'diverged.bundle');
    expect(await stella('--repo', source.repo.dir, 'sync', 'export', '-o', bundle)).toEqual({ exitCode: 0 });

    expect(await stella('--repo', clone, 'sync', 'import', bundle)).toEqual({ exitCode: 2 });
    expect(stderr.join('')).toMatch(/refs\/heads\/main: refused: not a fast-forward/);
    expect((await git(clone, 'rev-parse', 'refs/heads/main')).trim()).toBe(local);

    expect(await stella('--repo', clone, 'sync', 'import', '--as-remote', bundle)).toEqual({ exitCode: 0 });
    expect((await git(clone, 'rev-parse', 'refs/remotes/bundle/main')).trim()).toBe(await source.repo.store.branchTip('main'));
    expect((await git(clone, 'rev-parse', 'refs/heads/main')).trim()).toBe(local);

    expect(await stella('--repo', clone, 'sync', 'import', '--force', bundle)).toEqual({ exitCode: 0 });
    expect((await git(clone, 'rev-parse', 'refs/heads/main')).trim()).toBe(await source.repo.store.branchTip('main'));
    await fsckStrict(clone);
  });

  it('fails cleanly: nothing new to export leaves no file; a bundle with missing prerequisites changes nothing', async () => {
    const all = join(root, 'all.bundle');
    expect(await stella('--repo', source.repo.dir, 'sync', 'export', '-o', all)).toEqual({ exitCode: 0 });
    const empty = join(root, 'nothing.bundle');
    await expect(stella('--repo', source.repo.dir, 'sync', 'export', '--since', all, '-o', empty)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(stella('--repo', source.repo.dir, 'sync', 'export', '--since', 'no-such-branch', '-o', empty)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(existsSync(empty)).toBe(false);
    expect((await readdir(root)).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const other = await tempRepo('other-node');
    try {
      const inc = join(root, 'inc-only.bundle');
      await scan(source.repo.store, 'api');
      expect(await stella('--repo', source.repo.dir, 'sync', 'export', '--since', 'main~1', '-o', inc)).toEqual({ exitCode: 0 });
      const refs = await git(other.repo.dir, 'for-each-ref');
      const objects = await git(other.repo.dir, 'count-objects', '-v');
      await expect(stella('--repo', other.repo.dir, 'sync', 'import', inc)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/prerequisite/) as unknown });
      expect(await git(other.repo.dir, 'for-each-ref')).toBe(refs);
      expect(await git(other.repo.dir, 'count-objects', '-v')).toBe(objects);
    } finally {
      await other.cleanup();
    }
  });
});
