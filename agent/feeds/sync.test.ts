import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOsvServer, type OsvServer } from '../../test/helpers/osv-server.js';
import { sharedData } from '../../test/helpers/paths.js';
import { fsckStrict, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { MAIN_BRANCH } from '../repo/state-repo.js';
import { syncOsv } from './sync.js';

describe('stella feed sync against a local osv.dev-shaped server', () => {
  let t: TempRepo;
  let server: OsvServer;
  beforeEach(async () => {
    t = await tempRepo();
    server = await startOsvServer(join(sharedData, 'osv'));
  });
  afterEach(async () => {
    await server.close();
    await t.cleanup();
  });

  it('downloads and imports in one commit, then costs one 304 per ecosystem when nothing changed', async () => {
    const first = await syncOsv(t.repo, { key: t.key, baseUrl: server.url, ecosystems: ['npm', 'CRAN'] });
    expect(first.fetched).toEqual(['npm', 'CRAN']);
    expect(first.import?.added).toBe(170 + 14);
    const tip = await t.repo.store.branchTip(MAIN_BRANCH);
    const second = await syncOsv(t.repo, { key: t.key, baseUrl: server.url, ecosystems: ['npm', 'CRAN'] });
    expect(second).toEqual({ fetched: [], unchanged: ['CRAN', 'npm'], import: undefined });
    expect(server.requests.slice(-2).map((r) => r.status)).toEqual([304, 304]);
    expect(await t.repo.store.branchTip(MAIN_BRANCH)).toBe(tip);
    await fsckStrict(t.repo.dir);
  });

  it('resumes an interrupted download with a Range request and commits nothing until it is whole', async () => {
    server.truncateNext('/npm/all.zip', 100_000);
    const tip = await t.repo.store.branchTip(MAIN_BRANCH);
    await expect(syncOsv(t.repo, { key: t.key, baseUrl: server.url, ecosystems: ['npm'] })).rejects.toMatchObject({ message: expect.stringMatching(/interrupted|truncated/) });
    expect(await t.repo.store.branchTip(MAIN_BRANCH)).toBe(tip);
    const resumed = await syncOsv(t.repo, { key: t.key, baseUrl: server.url, ecosystems: ['npm'] });
    expect(resumed.import?.added).toBe(170);
    expect(server.requests.at(-1)).toMatchObject({ status: 206, range: 'bytes=100000-' });
  });

  it('imports only the ecosystem whose export changed', async () => {
    await syncOsv(t.repo, { key: t.key, baseUrl: server.url, ecosystems: ['npm', 'CRAN'] });
    const dir = await mkdtemp(join(tmpdir(), 'stella-osv-'));
    try {
      // A "newer" CRAN export: the RubyGems zip served in its place changes the bytes and the ETag.
      await copyFile(join(sharedData, 'osv', 'RubyGems', 'all.zip'), join(dir, 'all.zip'));
      server.override('/CRAN/all.zip', join(dir, 'all.zip'));
      const next = await syncOsv(t.repo, { key: t.key, baseUrl: server.url, ecosystems: ['npm', 'CRAN'] });
      expect(next.fetched).toEqual(['CRAN']);
      expect(next.unchanged).toEqual(['npm']);
      expect(next.import?.read).toBe(19);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an ecosystem missing on the server with nothing committed', async () => {
    const tip = await t.repo.store.branchTip(MAIN_BRANCH);
    await expect(syncOsv(t.repo, { key: t.key, baseUrl: server.url, ecosystems: ['npm', 'NoSuchEcosystem'] })).rejects.toMatchObject({
      message: expect.stringMatching(/NoSuchEcosystem\/all\.zip: server answered 404/),
    });
    expect(await t.repo.store.branchTip(MAIN_BRANCH)).toBe(tip);
  });
});
