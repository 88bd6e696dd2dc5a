/**
 * Packs and deltas checked against native git: what we write, `git
 * index-pack --strict` must accept; what git writes (OFS_DELTA, thin
 * REF_DELTA), we must walk and complete.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../../test/helpers/repo.js';
import { applyDelta, createDelta } from './delta.js';
import { completeThinPack, objectId, scanPack, writePack } from './packfile.js';

const run = promisify(execFile);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-pack-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A tree object body: entries `<mode> <name>\0<20-byte id>`, sorted by name. */
function tree(entries: [string, string][]): Uint8Array {
  return Buffer.concat(entries.map(([name, oid]) => Buffer.concat([Buffer.from(`100644 ${name}\0`), Buffer.from(oid, 'hex')])));
}

describe('createDelta / applyDelta', () => {
  const blobs = Array.from({ length: 800 }, (_, i) => objectId('blob', text(`report ${i}\n`)));

  it('expresses a tree that gained one entry in a few dozen bytes', () => {
    const names = blobs.map((oid, i): [string, string] => [`t${String(i).padStart(4, '0')}`, oid]);
    const before = tree(names);
    const after = tree([...names.slice(0, 400), ['t0399x', objectId('blob', text('new'))], ...names.slice(400)]);
    const delta = createDelta(before, after, 'tree');
    expect(Buffer.from(applyDelta(before, delta))).toEqual(after);
    expect(before.length).toBeGreaterThan(20_000);
    expect(delta.length).toBeLessThan(64);
  });

  it('round-trips line edits, deletions, reordering, empty sides and copies longer than 64 KiB', () => {
    const long = Array.from({ length: 5000 }, (_, i) => `{"id":"GHSA-${i}","severity":"HIGH"}\n`).join('');
    const cases: [string, string][] = [
      ['a\nb\nc\n', 'a\nB\nc\nd'],
      ['', 'all new\n'],
      ['all gone\n', ''],
      ['x\ny\nz\n', 'z\ny\nx\n'],
      [long, `head\n${long.replace('GHSA-2500', 'GHSA-X')}tail`],
      ['no newline at all', 'no newline at all, changed'],
    ];
    for (const [base, target] of cases) {
      const delta = createDelta(text(base), text(target), 'lines');
      expect(new TextDecoder().decode(applyDelta(text(base), delta))).toBe(target);
    }
    expect(createDelta(text(long), text(long), 'lines').length).toBeLessThan(16);
  });

  it('refuses a delta made for another base', () => {
    const delta = createDelta(text('one\n'), text('two\n'), 'lines');
    expect(() => applyDelta(text('three\n'), delta)).toThrow(/another size/);
  });
});

describe('writePack / scanPack / completeThinPack with native git', () => {
  it('writes whole objects and REF_DELTAs that `git index-pack --strict` accepts', async () => {
    const repo = join(root, 'write.git');
    await git(root, 'init', '--quiet', '--bare', repo);
    const base = text(Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join(''));
    const changed = text(new TextDecoder().decode(base).replace('line 150\n', 'line 150 changed\n'));
    const baseOid = objectId('blob', base);
    const changedOid = objectId('blob', changed);
    const treeBody = tree([
      ['a.txt', baseOid],
      ['b.txt', changedOid],
    ]);
    const pack = writePack([
      { type: 'blob', data: base },
      { type: 'ref-delta', base: baseOid, data: createDelta(base, changed, 'lines') },
      { type: 'tree', data: treeBody },
    ]);
    expect(scanPack(pack).entries.map((e) => e.type)).toEqual(['blob', 'ref-delta', 'tree']);
    const file = join(root, 'ours.pack');
    await writeFile(file, pack);
    await run('git', ['index-pack', '--strict', '-o', join(root, 'ours.idx'), file], { cwd: repo });
    const { stdout } = await run('git', ['verify-pack', '-v', join(root, 'ours.idx')], { cwd: repo });
    expect(stdout).toContain(changedOid);
    expect(stdout).toContain(objectId('tree', treeBody));
  });

  it('walks a native thin pack and completes it so native git indexes it without --fix-thin', async () => {
    const work = join(root, 'native');
    await git(root, 'init', '--quiet', '--initial-branch=main', work);
    const lines = Array.from({ length: 400 }, (_, i) => `finding ${i}\n`).join('');
    await writeFile(join(work, 'report.json'), lines);
    await git(work, 'add', '.');
    await git(work, '-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '--quiet', '-m', 'one');
    await writeFile(join(work, 'report.json'), `${lines}finding 400\n`);
    await git(work, '-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '--quiet', '-am', 'two');
    // What a server sends for "want HEAD, have HEAD~1": a thin pack against HEAD~1.
    const packed = await new Promise<Buffer>((resolve, reject) => {
      const child = execFile('git', ['pack-objects', '--thin', '--stdout', '--revs'], { cwd: work, encoding: 'buffer', maxBuffer: 1 << 24 }, (error, stdout) =>
        error === null ? resolve(stdout) : reject(error),
      );
      child.stdin?.end('HEAD\n^HEAD~1\n');
    });
    const { entries } = scanPack(packed);
    const thinBases = [...new Set(entries.flatMap((e) => (e.type === 'ref-delta' && e.base !== undefined ? [e.base] : [])))];
    expect(thinBases.length).toBeGreaterThan(0);

    // The receiver has HEAD~1 (as a remote would), so --strict can check every link; the pack itself must need nothing outside.
    const bare = join(root, 'receiver.git');
    await git(root, 'init', '--quiet', '--bare', bare);
    await git(work, 'branch', 'old', 'HEAD~1');
    await git(bare, 'fetch', '--quiet', work, 'old:old');
    const bases = [];
    for (const oid of thinBases) {
      const { stdout: type } = await run('git', ['cat-file', '-t', oid], { cwd: work });
      const data = await new Promise<Buffer>((resolve, reject) =>
        execFile('git', ['cat-file', type.trim(), oid], { cwd: work, encoding: 'buffer' }, (error, stdout) => (error === null ? resolve(stdout) : reject(error))),
      );
      bases.push({ type: type.trim() as 'blob' | 'tree', data });
    }
    const thinFile = join(root, 'thin.pack');
    await writeFile(thinFile, packed);
    await expect(run('git', ['index-pack', '-o', join(root, 'thin.idx'), thinFile], { cwd: bare })).rejects.toThrow(/unresolved delta/);
    const complete = completeThinPack(packed, bases);
    expect(scanPack(complete).count).toBe(entries.length + bases.length);
    const file = join(root, 'complete.pack');
    await writeFile(file, complete);
    await run('git', ['index-pack', '--strict', '-o', join(root, 'complete.idx'), file], { cwd: bare });
    expect((await readFile(join(root, 'complete.idx'))).length).toBeGreaterThan(0);
  });

  it('rejects a damaged pack', () => {
    const pack = writePack([{ type: 'blob', data: text('x') }]);
    pack[14] = (pack[14] as number) ^ 0xff;
    expect(() => scanPack(pack, 'test pack')).toThrow(/checksum mismatch/);
  });
});
