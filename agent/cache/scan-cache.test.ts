/**
 * The scan cache against the real images: reports are the same bytes cold,
 * warm, and partially warm (debian-base cached, then debian-node, which
 * shares its base layer); a warm image is answered without its blobs; a
 * corrupt or foreign cache is dropped and rebuilt; the byte bound evicts.
 */
import { cp, mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagesDir } from '../../test/helpers/paths.js';
import { scanTarget } from '../scan/scan.js';
import { ScanCache } from './scan-cache.js';

const nodeArchive = join(imagesDir, 'debian-node.oci.tar');
const baseArchive = join(imagesDir, 'debian-base.oci.tar');
let tmp: string;
let cold: string;

const reportBytes = async (target: string, cache?: ScanCache): Promise<string> => JSON.stringify((await scanTarget(target, cache === undefined ? {} : { cache })).report);

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'stella-cache-'));
  cold = await reportBytes(nodeArchive);
}, 120_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('ScanCache', () => {
  it('gives the same report bytes cold, partially warm (shared base layer) and warm', async () => {
    const cache = await ScanCache.open(join(tmp, 'partial'));
    try {
      await reportBytes(baseArchive, cache);
      const afterBase = cache.stats();
      expect(afterBase.layerMisses).toBeGreaterThan(0);
      const partial = await reportBytes(nodeArchive, cache);
      const afterNode = cache.stats();
      expect(partial).toBe(cold);
      // The base layer came from the cache; only debian-node's own layers were read.
      expect(afterNode.layerHits - afterBase.layerHits).toBe(1);
      expect(afterNode.layerMisses - afterBase.layerMisses).toBe(3);
      const warm = await reportBytes(nodeArchive, cache);
      expect(warm).toBe(cold);
      expect(cache.stats().imageHits).toBe(1);
      expect(cache.stats().layerMisses).toBe(afterNode.layerMisses);
    } finally {
      await cache.close();
    }
  }, 120_000);

  it('answers a cached image without reading its config or layers (they are deleted)', async () => {
    const layout = join(tmp, 'debian-node.oci');
    await cp(join(imagesDir, 'debian-node.oci'), layout, { recursive: true });
    const cache = await ScanCache.open(join(tmp, 'layout-cache'));
    try {
      const first = await reportBytes(layout, cache);
      const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
      const manifestDigest = index.manifests[0]?.digest ?? '';
      const manifest = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', manifestDigest.slice(7)), 'utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
      for (const blob of [manifest.config, ...manifest.layers]) await unlink(join(layout, 'blobs', 'sha256', blob.digest.slice(7)));
      expect(await reportBytes(layout, cache)).toBe(first);
    } finally {
      await cache.close();
    }
  }, 120_000);

  it('drops a cache with a corrupted value (raw LevelDB write) and rebuilds it', async () => {
    const dir = join(tmp, 'corrupt');
    let cache = await ScanCache.open(dir);
    await reportBytes(nodeArchive, cache);
    await cache.close();
    const raw = new Level<string, string>(dir, { valueEncoding: 'utf8' });
    let damaged = 0;
    for await (const [key, value] of raw.iterator({ gt: 'rec:image:', lt: 'rec:image;' })) {
      // Still valid JSON of the right shape: only the checksum can tell.
      await raw.put(key, value.replace('"deb"', '"npm"'));
      damaged++;
    }
    await raw.close();
    expect(damaged).toBe(1);
    cache = await ScanCache.open(dir);
    try {
      expect(await reportBytes(nodeArchive, cache)).toBe(cold);
      const stats = cache.stats();
      expect(stats.resets).toBe(1);
      expect(stats.imageHits).toBe(0);
      // Rebuilt: the next scan is warm again.
      expect(await reportBytes(nodeArchive, cache)).toBe(cold);
      expect(cache.stats().imageHits).toBe(1);
    } finally {
      await cache.close();
    }
  }, 120_000);

  it('drops a cache of another layout version on open', async () => {
    const dir = join(tmp, 'version');
    let cache = await ScanCache.open(dir);
    await reportBytes(nodeArchive, cache);
    expect(cache.stats().entries).toBeGreaterThan(0);
    await cache.close();
    const raw = new Level<string, string>(dir, { valueEncoding: 'utf8' });
    await raw.put('meta:schema', 'stella-scan-cache/0 stella 0.0.0');
    await raw.close();
    cache = await ScanCache.open(dir);
    try {
      expect(cache.stats()).toMatchObject({ resets: 1, entries: 0, bytes: 0 });
      expect(await cache.targets()).toEqual([]);
    } finally {
      await cache.close();
    }
  }, 120_000);

  it('keeps its records under the byte bound, evicting the least recently used', async () => {
    const dir = join(tmp, 'bounded');
    const maxBytes = 200_000;
    let cache = await ScanCache.open(dir, { maxBytes });
    try {
      expect(await reportBytes(nodeArchive, cache)).toBe(cold);
      expect(cache.stats().evictions).toBeGreaterThan(0);
      expect(cache.stats().bytes).toBeLessThanOrEqual(maxBytes);
    } finally {
      await cache.close();
    }
    cache = await ScanCache.open(dir, { maxBytes });
    try {
      expect(cache.stats().bytes).toBeLessThanOrEqual(maxBytes);
      expect(await reportBytes(nodeArchive, cache)).toBe(cold);
    } finally {
      await cache.close();
    }
  }, 120_000);
});
