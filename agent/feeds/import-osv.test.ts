import { readFile, writeFile } from 'node:fs/promises';
import { unzipSync, zipSync } from 'fflate';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OSV_MANIFEST_PATH, shardOf, shardPath } from '../../core/feeds/osv/shard.js';
import { parseManifest } from '../../core/feeds/manifest.js';
import { verifyDetachedJws } from '../../core/sign/jws.js';
import { hostileDir, sharedData } from '../../test/helpers/paths.js';
import { fsckStrict, git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { AdvisoryIndex } from '../index/advisory-index.js';
import { MAIN_BRANCH } from '../repo/state-repo.js';
import { importOsv } from './import-osv.js';

interface HostileCase {
  name: string;
  path: string;
  kind: string;
  expected: 'reject' | 'accept-partial' | 'accept';
  reason: string;
  also_ok?: string[];
}

const osv = (ecosystem: string): string => join(sharedData, 'osv', ecosystem, 'all.zip');

describe('stella feed import (OSV)', () => {
  let t: TempRepo;
  beforeEach(async () => {
    t = await tempRepo();
  });
  afterEach(() => t.cleanup());

  it('imports a real bulk zip into signed shards that native git accepts, and re-importing commits nothing', async () => {
    const first = await importOsv(t.repo, [osv('npm')], { key: t.key });
    expect(first.read).toBe(170);
    expect(first.added).toBe(170);
    expect(first.skipped).toBe(0);
    expect(first.commit).toBeDefined();
    expect(first.index.records).toBe(170);
    await fsckStrict(t.repo.dir);
    // The work tree follows main: git status is clean.
    expect(await git(t.repo.dir, 'status', '--porcelain')).toBe('');

    const tip = first.commit as string;
    const manifestBytes = await t.repo.store.readFile(tip, OSV_MANIFEST_PATH);
    const manifest = parseManifest(manifestBytes as Uint8Array, OSV_MANIFEST_PATH);
    expect(manifest.records).toBe(170);
    expect(manifest.ecosystems['npm']).toBe(170);
    const jws = new TextDecoder().decode(await t.repo.store.readFile(tip, `${OSV_MANIFEST_PATH}.jws`)).trim();
    await expect(verifyDetachedJws(jws, manifestBytes as Uint8Array, new Map([[t.key.keyId, t.key.publicKeyPem]]))).resolves.toEqual({ kid: t.key.keyId });

    // A record is stored once, canonical, in the shard its id hashes to.
    const shard = new TextDecoder().decode(await t.repo.store.readFile(tip, shardPath(shardOf('GHSA-29mw-wpgm-hmr9'))));
    const line = shard.split('\n').find((l) => l.includes('"id":"GHSA-29mw-wpgm-hmr9"'));
    expect(line).toBeDefined();

    const again = await importOsv(t.repo, [osv('npm')], { key: t.key });
    expect(again.commit).toBeUndefined();
    expect(again.unchanged).toBe(170);
    expect(await t.repo.store.branchTip(MAIN_BRANCH)).toBe(tip);
  });

  it('is independent of import order and touches only shards that changed', async () => {
    const a = await importOsv(t.repo, [osv('CRAN'), osv('npm')], { key: t.key });
    const other = await tempRepo();
    try {
      await importOsv(other.repo, [osv('npm')], { key: other.key });
      const b = await importOsv(other.repo, [osv('CRAN')], { key: other.key });
      const treeA = await git(t.repo.dir, 'rev-parse', `${a.commit}:feeds/osv/shards`);
      const treeB = await git(other.repo.dir, 'rev-parse', `${b.commit}:feeds/osv/shards`);
      expect(treeA).toBe(treeB);
      expect(b.shardsChanged).toBeLessThanOrEqual(14);
      expect(b.index.shardsChanged).toBe(b.shardsChanged);
    } finally {
      await other.cleanup();
    }
  });

  it('indexes records by package so lookups find them', async () => {
    await importOsv(t.repo, [osv('npm')], { key: t.key });
    const index = await AdvisoryIndex.open(t.repo.cacheDir);
    try {
      const found = await index.recordsFor([{ ecosystem: 'npm', name: 'lodash' }, { ecosystem: 'npm', name: 'no-such-package-x' }]);
      const lodash = found.get('npm\u0000lodash') ?? [];
      expect(lodash.length).toBeGreaterThan(0);
      expect(lodash.every((r) => r.affected?.some((a) => a.package?.name === 'lodash'))).toBe(true);
      expect(found.get('npm\u0000no-such-package-x')).toEqual([]);
    } finally {
      await index.close();
    }
  });

  it('skips a record nested 50,000 levels deep with a warning and imports the rest of the archive', async () => {
    // A real record beside one built to exhaust any recursive walk of it.
    const real = await readFile(join(sharedData, 'osv', 'npm', 'all.zip'));
    const entries = unzipSync(new Uint8Array(real));
    const [name, bytes] = Object.entries(entries)[0] as [string, Uint8Array];
    const deep = `{"id":"DEEP-1","modified":"2024-01-01T00:00:00Z","details":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const zip = join(t.root, 'mixed.zip');
    await writeFile(zip, zipSync({ [name]: bytes, 'DEEP-1.json': new TextEncoder().encode(deep) }));
    const summary = await importOsv(t.repo, [zip], { key: t.key });
    expect(summary.added).toBe(1);
    expect(summary.skipped).toBe(1);
    expect(summary.warnings.join('\n')).toMatch(/DEEP-1\.json.*maximum nesting depth exceeded/);
    expect(summary.commit).toBeDefined();
  });

  describe('hostile zips from make-hostile.py', async () => {
    const cases = (JSON.parse(await readFile(join(hostileDir, 'cases.json'), 'utf8')) as { cases: HostileCase[] }).cases.filter((c) => c.kind === 'zip');
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const before = await t.repo.store.branchTip(MAIN_BRANCH);
      const started = performance.now();
      const attempt = importOsv(t.repo, [join(hostileDir, c.path)], { key: t.key });
      if (c.expected === 'reject') {
        const error = await attempt.then(
          () => undefined,
          (e: unknown) => e,
        );
        if (error === undefined && c.also_ok?.some((alt) => alt.startsWith('accept')) === true) {
          // tolerated alternative: the good record loaded
        } else {
          expect(error).toMatchObject({ code: expect.stringMatching(/ZIP_INVALID|LIMIT_EXCEEDED/) });
          expect((error as Error).message).toContain(c.path.split('/').pop()?.replace(/\.zip$/, '') ?? '');
          expect(await t.repo.store.branchTip(MAIN_BRANCH)).toBe(before);
        }
      } else {
        const summary = await attempt;
        const tip = summary.commit as string;
        const shard = new TextDecoder().decode(await t.repo.store.readFile(tip, shardPath(shardOf('HOSTILE-GOOD-0001'))));
        expect(shard).toContain('"id":"HOSTILE-GOOD-0001"');
        if (c.expected === 'accept-partial' && c.name !== 'osv-100k-affected') expect(summary.warnings.length).toBeGreaterThan(0);
        await fsckStrict(t.repo.dir);
      }
      expect(performance.now() - started).toBeLessThan(30_000);
    });
  });
});
