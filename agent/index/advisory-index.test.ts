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
