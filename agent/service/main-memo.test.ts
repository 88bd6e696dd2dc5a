/**
 * MainMemo against a real state repository and image: a rescan at the same
 * main commit is answered without the advisory index and gives the report a
 * plain scan gives; a feed import moving main starts afresh.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagesDir } from '../../test/helpers/paths.js';
import { osvRecord } from '../../test/helpers/osv-record.js';
import { tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { ScanCache } from '../cache/scan-cache.js';
import { importOsv } from '../feeds/import-osv.js';
import { AdvisoryIndex } from '../index/advisory-index.js';
import { MAIN_BRANCH } from '../repo/state-repo.js';
import { scanTarget } from '../scan/scan.js';
import { MainMemo } from './main-memo.js';

let t: TempRepo;
let tmp: string;
let cache: ScanCache;
const target = join(imagesDir, 'debian-node.oci');

beforeAll(async () => {
  t = await tempRepo('memo-node');
  tmp = await mkdtemp(join(tmpdir(), 'stella-memo-'));
  cache = await ScanCache.open(join(tmp, 'cache'));
}, 60_000);
afterAll(async () => {
  await cache.close();
  await t.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

async function importAdvisory(id: string, fixed: string): Promise<void> {
  const feed = join(tmp, 'feed');
  await mkdir(feed, { recursive: true });
  await writeFile(join(feed, `${id}.json`), JSON.stringify(osvRecord(id, 'npm', 'axios', fixed)));
  await importOsv(t.repo, [feed], { key: t.key });
}

describe('MainMemo', () => {
  it("answers a rescan at main's commit from memory with a plain scan's report, and starts afresh when main moves", async () => {
    await importAdvisory('TEST-0001', '0.21.2');
    const memo = new MainMemo(t.repo);
    const plain = await scanTarget(target, { repo: t.repo, cache });
    const first = await scanTarget(target, { repo: t.repo, cache, ...(await memo.forScan()) });
    expect(JSON.stringify(first.report)).toBe(JSON.stringify(plain.report));
    expect(first.report.findings.map((f) => f.id)).toContain('TEST-0001');
    expect(memo.stats().entries).toBe(1);

    // With the index held here, a scan that opens it fails; the memo's rescan never opens it.
    const index = await AdvisoryIndex.open(t.repo.cacheDir);
    try {
      await expect(scanTarget(target, { repo: t.repo, cache })).rejects.toThrow();
      const again = await scanTarget(target, { repo: t.repo, cache, ...(await memo.forScan()) });
      expect(JSON.stringify(again.report)).toBe(JSON.stringify(plain.report));
    } finally {
      await index.close();
    }

    await importAdvisory('TEST-0002', '0.21.3');
    const moved = await scanTarget(target, { repo: t.repo, cache, ...(await memo.forScan()) });
    expect(moved.report.inputs.feed?.commit).toBe(await t.repo.store.branchTip(MAIN_BRANCH));
    expect(moved.report.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['TEST-0001', 'TEST-0002']));
    expect(JSON.stringify(moved.report)).toBe(JSON.stringify((await scanTarget(target, { repo: t.repo, cache })).report));
    expect(memo.stats().entries).toBe(1);
    await memo.close();
  }, 240_000);
});
