/**
 * A hostile bundle through the real CLI: native git's bundle of one blob of
 * 300 MB (zeros, so the file is a few hundred kilobytes) must be refused
 * from the pack entry's declared size — exit 2, one line naming the bundle
 * and the object, the repository unchanged — without the process growing
 * anywhere near the blob's size (it used to take gigabytes).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shell } from '../../test/helpers/shell.js';
import { cliEnv } from '../../test/helpers/cli.js';
import { projectRoot } from '../../test/helpers/paths.js';
import { git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';

const TIME = '/usr/bin/time';
let state: TempRepo;
let bundle: string;


beforeAll(async () => {
  state = await tempRepo('limits-node');
  const big = join(state.root, 'big');
  await git(state.root, 'init', '-q', big);
  await shell(
    big,
    `blob=$(head -c 300000000 /dev/zero | git hash-object -w --stdin)
     tree=$(printf '100644 blob %s\\tbig.bin\\n' "$blob" | git mktree)
     commit=$(git -c user.name=a -c user.email=a@example.invalid commit-tree -m big "$tree")
     git update-ref refs/heads/main "$commit"
     git bundle create -q ../big.bundle main`,
  );
  await rm(big, { recursive: true, force: true });
  bundle = join(state.root, 'big.bundle');
}, 120_000);
afterAll(() => state.cleanup());

/** Refs, HEAD and every file under .git/objects with its size: what an import could change. */
async function snapshot(dir: string): Promise<string> {
  const objects = join(dir, '.git', 'objects');
  const files: string[] = [];
  for (const name of (await readdir(objects, { recursive: true })).sort()) {
    const info = await stat(join(objects, name));
    files.push(`${name} ${info.isFile() ? info.size : 'dir'}`);
  }
  return [await git(dir, 'for-each-ref'), await git(dir, 'symbolic-ref', 'HEAD'), await git(dir, 'status', '--porcelain'), ...files].join('\n');
}

describe('stella sync import of a bundle with one 300 MB blob', () => {
  it('is refused with exit 2 and one line naming the bundle and the object; nothing changes; memory stays small', async () => {
    expect((await stat(bundle)).size).toBeLessThan(1 << 20);
    const before = await snapshot(state.repo.dir);
    const measure = existsSync(TIME);
    const command = [process.execPath, join(projectRoot, 'bin', 'stella.js'), '--repo', state.repo.dir, 'sync', 'import', bundle];
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const [file, ...args] = measure ? [TIME, '-v', ...command] : command;
      execFile(file as string, args, { env: cliEnv(state.root), cwd: state.root }, (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stderr });
      });
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('stella:'));
    expect(lines).toEqual([`stella: ${bundle}: object 3 of 3 (blob at pack offset ${lines[0]?.match(/offset (\d+)/)?.[1] ?? '?'}) is 300000000 bytes, over the limit of 100 MiB per object; nothing was changed`]);
    expect(await snapshot(state.repo.dir)).toBe(before);
    if (measure) {
      const peakKiB = Number(run.stderr.match(/Maximum resident set size \(kbytes\): (\d+)/)?.[1]);
      console.log(`sync import of the 300 MB-blob bundle: peak RSS ${Math.round(peakKiB / 1024)} MiB`);
      expect(peakKiB).toBeLessThan(256 * 1024);
    }
  }, 120_000);
});
