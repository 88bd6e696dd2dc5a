/**
 * An honest bundle near the limits through the real CLI: native git's
 * bundle of a commit on main that adds three incompressible blobs of 90 MiB
 * (a pack of about 270 MiB) is imported — spooled to disk and indexed by
 * our own indexer — with the process's peak memory under 256 MiB, and
 * native git finds the repository sound afterwards.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv } from '../../test/helpers/cli.js';
import { projectRoot } from '../../test/helpers/paths.js';
import { fsckStrict, git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';

const TIME = '/usr/bin/time';
const BLOB_BYTES = 90 * 1024 * 1024;
let state: TempRepo;
let bundle: string;
let tip: string;

/** Runs a shell script (the blobs come from /dev/urandom straight into git, never through this process; stored uncompressed, which random bytes are anyway, to save time). */
function sh(cwd: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-ec', script], { cwd }, (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${script}: ${stderr}`))));
  });
}

beforeAll(async () => {
  state = await tempRepo('memory-node');
  const work = join(state.root, 'work');
  await git(state.root, 'clone', '-q', state.repo.dir, work);
  const main = (await git(state.repo.dir, 'rev-parse', 'main')).trim();
  tip = (
    await sh(
      work,
      `for i in 1 2 3; do head -c ${BLOB_BYTES} /dev/urandom > big-$i.bin; done
       git -c core.looseCompression=0 add big-1.bin big-2.bin big-3.bin
       git -c user.name=a -c user.email=a@example.invalid commit -q -m 'three large blobs'
       rm big-1.bin big-2.bin big-3.bin
       git -c pack.compression=0 bundle create -q ../near-limits.bundle ${main}..main
       git rev-parse HEAD`,
    )
  ).trim();
  await rm(work, { recursive: true, force: true });
  bundle = join(state.root, 'near-limits.bundle');
}, 120_000);
afterAll(() => state.cleanup());

describe('stella sync import of an honest bundle near the limits', () => {
  it('imports three 90 MiB incompressible blobs with peak memory under 256 MiB; git fsck is clean', async () => {
    expect((await stat(bundle)).size).toBeGreaterThan(3 * BLOB_BYTES);
    const measure = existsSync(TIME);
    const command = [process.execPath, join(projectRoot, 'bin', 'stella.js'), '--repo', state.repo.dir, 'sync', 'import', bundle];
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const [file, ...args] = measure ? [TIME, '-v', ...command] : command;
      execFile(file as string, args, { env: cliEnv(state.root), cwd: state.root, maxBuffer: 16 << 20 }, (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stderr });
      });
    });
    expect(run.stderr.split('\n').filter((line) => line.startsWith('stella:'))).toEqual([]);
    expect(run.code).toBe(0);
    expect((await git(state.repo.dir, 'rev-parse', 'main')).trim()).toBe(tip);
    await fsckStrict(state.repo.dir);
    expect((await readdir(join(state.repo.dir, '.git', 'objects'))).filter((name) => name.startsWith('tmp_'))).toEqual([]);
    if (measure) {
      const peakKiB = Number(run.stderr.match(/Maximum resident set size \(kbytes\): (\d+)/)?.[1]);
      console.log(`sync import of a ${Math.round((await stat(bundle)).size / 2 ** 20)} MiB bundle: peak RSS ${Math.round(peakKiB / 1024)} MiB`);
      expect(peakKiB).toBeLessThan(256 * 1024);
    }
  }, 120_000);
});
