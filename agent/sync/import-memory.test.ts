/**
 * An honest bundle near the limits through the real CLI: a commit on main
 * adding three incompressible files of 90 MiB (a pack of about 270 MiB),
 * made by native git. `stella sync import` must take it — pack spooled and
 * indexed, history checked, main admitted, the work tree written — with its
 * peak memory under 256 MiB: every object is read from the kept pack an
 * entry at a time, and the large files are inflated straight into the work
 * tree. Native git then finds the repository clean (`fsck --strict`,
 * `status`).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shell } from '../../test/helpers/shell.js';
import { cliEnv } from '../../test/helpers/cli.js';
import { projectRoot } from '../../test/helpers/paths.js';
import { fsckStrict, git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';

const TIME = '/usr/bin/time';
const BLOB_BYTES = 90 * 1024 * 1024;
let state: TempRepo;
let bundle: string;
let tip: string;


beforeAll(async () => {
  state = await tempRepo('memory-node');
  const clone = join(state.root, 'clone');
  await git(state.root, 'clone', '-q', state.repo.dir, clone);
  // Stored, not compressed: the bytes are random anyway, and zlib would only cost time.
  tip = (
    await shell(
      clone,
      `mkdir -p attachments
       for i in 1 2 3; do head -c ${BLOB_BYTES} /dev/urandom > attachments/big-$i.bin; done
       git -c core.compression=0 add attachments
       git -c user.name=a -c user.email=a@example.invalid commit -q -m 'three large files'
       git -c pack.compression=0 bundle create -q ../large.bundle main
       git rev-parse main`,
    )
  ).trim();
  await rm(clone, { recursive: true, force: true });
  bundle = join(state.root, 'large.bundle');
}, 300_000);
afterAll(() => state.cleanup());

describe('stella sync import of a 270 MiB bundle of three 90 MiB files', () => {
  it('moves main and writes the work tree with peak memory under 256 MiB; git finds the repository clean', async () => {
    expect((await stat(bundle)).size).toBeGreaterThan(3 * BLOB_BYTES);
    const measure = existsSync(TIME);
    const command = [process.execPath, join(projectRoot, 'bin', 'stella.js'), '--repo', state.repo.dir, 'sync', 'import', bundle];
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const [file, ...args] = measure ? [TIME, '-v', ...command] : command;
      execFile(file as string, args, { env: cliEnv(state.root), cwd: state.root }, (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stderr });
      });
    });
    expect(run.stderr.split('\n').filter((line) => line.startsWith('stella:'))).toEqual([]);
    expect(run.code).toBe(0);
    expect((await git(state.repo.dir, 'rev-parse', 'main')).trim()).toBe(tip);
    for (const i of [1, 2, 3]) expect((await stat(join(state.repo.dir, 'attachments', `big-${i}.bin`))).size).toBe(BLOB_BYTES);
    await fsckStrict(state.repo.dir);
    expect(await git(state.repo.dir, 'status', '--porcelain')).toBe('');
    if (measure) {
      const peakKiB = Number(run.stderr.match(/Maximum resident set size \(kbytes\): (\d+)/)?.[1]);
      console.log(`sync import of the 270 MiB bundle: peak RSS ${Math.round(peakKiB / 1024)} MiB`);
      expect(peakKiB).toBeLessThan(256 * 1024);
    }
  }, 300_000);
});
