/**
 * scanTarget's own contract around what it starts before reading ends: a
 * repository handed over while still opening may fail before the scan gets
 * to it, and that failure is the scan's one error, never an unhandled
 * rejection (which would crash the agent).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StellaError } from '../../core/errors.js';
import { layerTar } from '../image/image.test-helper.js';
import { scanTarget } from './scan.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-scan-target-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scanTarget', () => {
  it('rejects with the error of a repository that fails while the layers are read, leaving no rejection unhandled', async () => {
    const tar = join(dir, 'rootfs.tar');
    await writeFile(tar, await layerTar([{ name: 'etc/os-release', body: 'ID=debian\nVERSION_ID="12"\n' }]));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failure = new StellaError('REPO_NOT_FOUND', 'nowhere: not a state repository');
      await expect(scanTarget(tar, { repo: Promise.reject(failure) })).rejects.toBe(failure);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
