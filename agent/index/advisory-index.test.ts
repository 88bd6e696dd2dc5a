import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedData } from '../../test/helpers/paths.js';
import { tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { importOsv } from '../feeds/import-osv.js';
import { MAIN_BRANCH } from '../repo/state-repo.js';
import { AdvisoryIndex } from './advisory-index.js';

const osv = (ecosystem: string): string => join(sharedData, 'osv', ecosystem, 'all.zip');

async function counts(t: TempRepo): Promise<Record<string, number>> {
  const index = await AdvisoryIndex.open(t.repo.cacheDir);
  try {
    await index.update(t.repo.store, (await t.repo.store.branchTip(MAIN_BRANCH)) as string);
    return Object.fromEntries(await index.ecosystemCounts());
  } finally {
    await index.close();
  }
}

describe('AdvisoryIndex.ecosystemCounts', () => {
  let t: TempRepo;
  beforeEach(async () => {
    t = await tempRepo();
  });
  afterEach(() => t.cleanup());

  it('is empty before any import, counts records per ecosystem after, and follows a second feed', async () => {
    expect(await counts(t)).toEqual({});
    await importOsv(t.repo, [osv('npm')], { key: t.key });
    // Every npm record names npm; a few also name the same flaw's package in other ecosystems.
    const npmOnly = await counts(t);
    expect(npmOnly['npm']).toBe(170);
    expect(npmOnly['CRAN']).toBeUndefined();
    const cran = await importOsv(t.repo, [osv('CRAN')], { key: t.key });
    const after = await counts(t);
    expect(after['npm']).toBe(170);
    expect(after['CRAN']).toBe(cran.records - 170);
  });

  it('rebuilds an index written before counts were kept, rather than reporting none', async () => {
    await importOsv(t.repo, [osv('npm')], { key: t.key });
    const before = await counts(t);
    const db = new Level<string, string>(join(t.repo.cacheDir, 'index'), { valueEncoding: 'utf8' });
    await db.del('m\u0000ecosystems');
    for await (const key of db.keys({ gt: 'c\u0000', lt: 'c\u0000\uffff' })) await db.del(key);
    await db.close();
    expect(await counts(t)).toEqual(before);
    expect(before['npm']).toBe(170);
  });
});

describe('AdvisoryIndex: aliases and NVD vectors', () => {
  let t: TempRepo;
  beforeEach(async () => {
    t = await tempRepo();
  });
  afterEach(() => t.cleanup());

  /** Real NVD records (core/feeds/nvd/testdata) in an API 2.0 envelope, written where `feed import` can read it. */
  async function nvdFile(cves: string[]): Promise<string> {
    const vulnerabilities = await Promise.all(cves.map(async (cve) => ({ cve: JSON.parse(await readFile(new URL(`../../core/feeds/nvd/testdata/${cve}.json`, import.meta.url), 'utf8')) as unknown })));
    const path = join(t.root, 'nvd.json');
    await writeFile(path, JSON.stringify({ format: 'NVD_CVE', version: '2.0', vulnerabilities }));
    return path;
  }

  it('finds records by alias and NVD vectors by CVE, and forgets them when the feed drops them', async () => {
    await importOsv(t.repo, [osv('PyPI'), await nvdFile(['CVE-2014-1829', 'CVE-2025-0108'])], { key: t.key });
    const index = await AdvisoryIndex.open(t.repo.cacheDir);
    try {
      await index.update(t.repo.store, (await t.repo.store.branchTip(MAIN_BRANCH)) as string);
      const related = await index.recordsAliasing(['CVE-2014-1829', 'PYSEC-2014-13', 'CVE-1999-0000']);
      expect(related.get('CVE-2014-1829')?.map((r) => r.id)).toEqual(['PYSEC-2014-13']);
      expect(related.get('PYSEC-2014-13')?.map((r) => r.id)).toEqual(['PYSEC-2014-13']);
      expect(related.get('CVE-1999-0000')).toEqual([]);
      const nvd = await index.nvdCvssFor(['CVE-2014-1829', 'CVE-2025-0108', 'CVE-2023-32681']);
      expect(nvd.get('CVE-2014-1829')).toEqual([{ type: 'CVSS_V2', primary: true, vector: 'AV:N/AC:L/Au:N/C:P/I:N/A:N' }]);
      expect(nvd.get('CVE-2025-0108')?.[0]?.type).toBe('CVSS_V4');
      expect(nvd.has('CVE-2023-32681')).toBe(false);
    } finally {
      await index.close();
    }
    // A newer NVD table replaces the old one whole.
    await importOsv(t.repo, [await nvdFile(['CVE-2023-32681'])], { key: t.key });
    const again = await AdvisoryIndex.open(t.repo.cacheDir);
    try {
      await again.update(t.repo.store, (await t.repo.store.branchTip(MAIN_BRANCH)) as string);
      const nvd = await again.nvdCvssFor(['CVE-2014-1829', 'CVE-2023-32681']);
      expect([...nvd.keys()]).toEqual(['CVE-2023-32681']);
    } finally {
      await again.close();
    }
  });
});
