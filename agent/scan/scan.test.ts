/**
 * scanTarget's own contract around what it starts before reading ends: a
 * repository, policy or VEX handed over while still loading may fail before
 * the scan gets to it, and that failure is the scan's one error, never an
 * unhandled rejection (which would crash the agent); `whenRead` tells the
 * caller once when to load them; an aborted `signal` stops the read itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StellaError } from '../../core/errors.js';
import { gzip, layerTar } from '../image/image.test-helper.js';
import { scanTarget } from './scan.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-scan-target-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `check`, then waits a little: the rejections nobody handled meanwhile. */
async function unhandledRejections(check: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await check();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  return unhandled;
}

describe('scanTarget', () => {
  it('rejects with the error of a repository that fails while the layers are read, leaving no rejection unhandled', async () => {
    const tar = join(dir, 'rootfs.tar');
    await writeFile(tar, await layerTar([{ name: 'etc/os-release', body: 'ID=debian\nVERSION_ID="12"\n' }]));
    const failure = new StellaError('REPO_NOT_FOUND', 'nowhere: not a state repository');
    expect(await unhandledRejections(() => expect(scanTarget(tar, { repo: Promise.reject(failure) })).rejects.toBe(failure))).toEqual([]);
  });

  it('takes repository, VEX and policy as promises: the same report as with values, whenRead called once', async () => {
    const tar = join(dir, 'promised.tar');
    await writeFile(tar, await layerTar([{ name: 'etc/os-release', body: 'ID=debian\nVERSION_ID="12"\n' }]));
    const direct = await scanTarget(tar, { vex: [], policy: 'none' });
    let calls = 0;
    const promised = await scanTarget(tar, { vex: Promise.resolve([]), policy: Promise.resolve('none'), repo: Promise.resolve(undefined), whenRead: () => void calls++ });
    expect(promised.report).toEqual(direct.report);
    expect(calls).toBe(1);
  });

  it('rejects with the error of a policy that fails while the layers are read, leaving no rejection unhandled', async () => {
    const tar = join(dir, 'policy.tar');
    await writeFile(tar, await layerTar([{ name: 'etc/os-release', body: 'ID=debian\nVERSION_ID="12"\n' }]));
    const failure = new StellaError('POLICY_INVALID', 'policy.yaml: not valid YAML');
    expect(await unhandledRejections(() => expect(scanTarget(tar, { policy: Promise.reject(failure), vex: Promise.resolve([]) })).rejects.toBe(failure))).toEqual([]);
  });

  it('stops reading when its signal is aborted, and rejects with the reason', async () => {
    // 16 MiB that do not compress: many 1 MiB reads, so an abort at the first progress leaves most unread.
    const tar = join(dir, 'large.tar.gz');
    await writeFile(tar, gzip(await layerTar([{ name: 'etc/os-release', body: 'ID=debian\nVERSION_ID="12"\n' }, { name: 'opt/blob.bin', body: randomBytes(16 << 20) }])));
    const size = (await stat(tar)).size;
    const reason = new StellaError('KEY_NOT_FOUND', 'signing key not found');
    const abort = new AbortController();
    let done = 0;
    const scanning = scanTarget(tar, {
      signal: abort.signal,
      onProgress: (progress) => {
        done = Math.max(done, progress.done);
        abort.abort(reason);
      },
    });
    await expect(scanning).rejects.toBe(reason);
    expect(done).toBeLessThan(size / 2);
  });
});
