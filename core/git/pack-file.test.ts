/**
 * Packs checked against native git: what we write, `git index-pack
 * --strict` must accept; a thin pack git writes (REF_DELTAs against objects
 * the receiver has), `storePack` must complete so git indexes it without
 * `--fix-thin`.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packLimits } from '../../test/helpers/pack-limits.js';
import { git } from '../../test/helpers/repo.js';
import { createDelta } from './delta.js';
import { GitStore } from './git-store.js';
import { objectId, verifyPack, writePack } from './pack-file.js';
import { storePack } from './pack-store.js';

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

describe('writePack and storePack with native git', () => {
  it('writes whole objects and REF_DELTAs that `git index-pack --strict` accepts', async () => {
    const repo = join(root, 'write.git');
    await git(root, 'init', '--quiet', '--bare', repo);
    const base = text(Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join(''));
    const changed = text(new TextDecoder().decode(base).replace('line 150\n', 'line 150 changed\n'));
    const baseOid = await objectId('blob', base);
    const changedOid = await objectId('blob', changed);
    const treeBody = tree([
      ['a.txt', baseOid],
      ['b.txt', changedOid],
    ]);
    const pack = await writePack([
      { type: 'blob', data: base },
      { type: 'ref-delta', base: baseOid, data: createDelta(base, changed, 'lines') },
      { type: 'tree', data: treeBody },
    ]);
    const file = join(root, 'ours.pack');
    await writeFile(file, pack);
    await run('git', ['index-pack', '--strict', '-o', join(root, 'ours.idx'), file], { cwd: repo });
    const { stdout } = await run('git', ['verify-pack', '-v', join(root, 'ours.idx')], { cwd: repo });
    expect(stdout).toContain(changedOid);
    expect(stdout).toContain(await objectId('tree', treeBody));
    // The second entry went as a delta: verify-pack names its depth and base.
    expect(stdout).toMatch(new RegExp(`^${changedOid} blob .* 1 ${baseOid}$`, 'm'));
  });

  it('completes a native thin pack (storePack, as a fetch does) so native git indexes it without --fix-thin', async () => {
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
    const { objects } = await verifyPack(packed, 'thin');

    // The receiver has HEAD~1 (as a remote would), so --strict can check every link; the pack itself must need nothing outside.
    const bare = join(root, 'receiver.git');
    await git(root, 'init', '--quiet', '--bare', bare);
    await git(work, 'branch', 'old', 'HEAD~1');
    await git(bare, 'fetch', '--quiet', work, 'old:old');
    const thinFile = join(root, 'thin.pack');
    await writeFile(thinFile, packed);
    await expect(run('git', ['index-pack', '-o', join(root, 'thin.idx'), thinFile], { cwd: bare })).rejects.toThrow(/unresolved delta/);

    const published = await storePack(new GitStore({ fs, dir: bare, gitdir: bare }), packed, 'thin', packLimits);
    expect(published.completed).toBeGreaterThan(0);
    const complete = await readFile(join(bare, 'objects', 'pack', published.name));
    expect((await verifyPack(complete, 'complete')).objects).toBe(objects + published.completed);
    const file = join(root, 'complete.pack');
    await writeFile(file, complete);
    await run('git', ['index-pack', '--strict', '-o', join(root, 'complete.idx'), file], { cwd: bare });
    expect((await readFile(join(root, 'complete.idx'))).length).toBeGreaterThan(0);
  });

  it('rejects a damaged pack', async () => {
    const pack = await writePack([{ type: 'blob', data: text('x') }]);
    pack[14] = (pack[14] as number) ^ 0xff;
    await expect(verifyPack(pack, 'test pack')).rejects.toThrow(/checksum mismatch/);
  });
});
