/**
 * Layers are read at the same time and merged in order (read-layers.ts,
 * layer-ahead.ts): what a read in order would give, whichever layer ends
 * first; a layer that depends on a lower one it was read ahead of is read
 * again; a failing layer fails the read with its own one error, the lowest
 * failing layer's, and leaves no stream or temporary file behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AheadLog } from './layer-ahead.js';
import type { ImageRecord, LayerCache, LayerRecord } from './layer-cache.js';
import { resolveLimits } from './limits.js';
import { Overlay } from './overlay.js';
import { readRemoteImage } from './remote-image.js';
import type { RemoteImage } from './remote-image.js';
import { readTarget } from './read-target.js';
import { dockerArchive, gzip, layerTar, ociLayout, presence, sha256, testNpm } from './image.test-helper.js';
import type { EntrySpec } from './image.test-helper.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-concurrent-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pkgJson = (name: string, version: string): string => JSON.stringify({ name, version });
/** Several MB that gzip cannot shrink: a layer that takes longest to read. */
const bulk = (): EntrySpec => ({ name: 'usr/share/bulk.bin', body: randomBytes(6 << 20) });

describe('layers read at the same time', () => {
  it('merges in layer order whichever layer ends first: warnings and attribution as read in order', async () => {
    const tars = [
      await layerTar([bulk(), { name: '/abs-1', body: '' }, { name: 'app/node_modules/a/package.json', body: pkgJson('a', '1.0.0') }]),
      await layerTar([{ name: '/abs-2', body: '' }, { name: 'app/node_modules/b/package.json', body: pkgJson('b', '1.0.0') }]),
      await layerTar([{ name: '/abs-3', body: '' }, { name: 'app/node_modules/.wh.a', body: '' }]),
    ];
    const { path } = await ociLayout(dir, 'ordered', tars);
    const inventory = await readTarget(path, { extractors: [testNpm] });
    expect(inventory.warnings).toEqual([
      'layer 1: /abs-1: absolute path, read as relative to the image root',
      'layer 2: /abs-2: absolute path, read as relative to the image root',
      'layer 3: /abs-3: absolute path, read as relative to the image root',
    ]);
    expect(inventory.packages.map((p) => [p.name, p.layer])).toEqual([['b', sha256(tars[1] ?? '')]]);
    expect(inventory.layers.map((l) => l.index)).toEqual([0, 1, 2]);
  });

  it('reads a layer again in order when an entry of it lies below a lower layer\'s symlinked directory', async () => {
    const tars = [
      await layerTar([bulk(), { name: 'opt', type: 'symlink', linkname: 'app' }]),
      await layerTar([{ name: 'opt/node_modules/a/package.json', body: pkgJson('a', '2.0.0') }]),
    ];
    const file = await dockerArchive(dir, 'symlinked.tar', tars);
    const inventory = await readTarget(file, { extractors: [testNpm] });
    expect(inventory.packages).toMatchObject([{ name: 'a', version: '2.0.0', sourceFile: 'app/node_modules/a/package.json', layer: sha256(tars[1] ?? '') }]);
  });

  it('lets the read in order decide when a layer read ahead fails at a path a lower symlink moves', async () => {
    // Read ahead, big/file is a file the extractor wants and finds too large (an error under the default policy);
    // over the lower layer, big is a symlink and the file lands at elsewhere/file, which nothing wants.
    const tars = [await layerTar([{ name: 'big', type: 'symlink', linkname: 'elsewhere' }]), await layerTar([{ name: 'big/file', body: 'too large' }])];
    const extractors = [{ ...presence(['big/file']), maxFileSize: 4 }];
    const file = await dockerArchive(dir, 'moved-error.tar', tars);
    await expect(readTarget(file, { extractors })).resolves.toMatchObject({ packages: [], warnings: [] });
    const direct = await dockerArchive(dir, 'direct-error.tar', [await layerTar([{ name: 'x', body: '' }]), tars[1] ?? Buffer.alloc(0)]);
    await expect(readTarget(direct, { extractors })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('counts the symlinks of the layers below toward the tracking limit', async () => {
    const tars = [
      await layerTar([{ name: 's1', type: 'symlink', linkname: 'x' }, { name: 's2', type: 'symlink', linkname: 'y' }]),
      await layerTar([{ name: 'etc', type: 'symlink', linkname: 'srv' }, { name: 'etc/motd', body: '1' }]),
    ];
    const file = await dockerArchive(dir, 'symlink-limit.tar', tars);
    const inventory = await readTarget(file, { extractors: [presence(['etc/motd', 'srv/motd'])], limits: { maxTrackedSymlinks: 2 } });
    expect(inventory.warnings).toEqual(['layer 2: more than 2 symlinks; later ones are not followed']);
    expect(inventory.packages.map((p) => p.name)).toEqual(['etc/motd']);
  });

  it('fails with the failing layer\'s one error: the lowest failing layer\'s, though a higher one fails first', async () => {
    const tars = [await layerTar([bulk()]), await layerTar([{ name: 'a', body: '1' }]), await layerTar([{ name: 'b', body: '2' }])];
    const [big, , small] = tars.map((tar) => sha256(gzip(tar)));
    // Same size, wrong bytes: the slow base layer fails at its end (gzip CRC), the small top layer at once.
    const corrupt = (blob: Buffer): Buffer => Buffer.from(blob.map((byte, i) => (i >= 30 && i < 60 ? byte ^ 0xff : byte)));
    const only = await ociLayout(dir, 'one-bad', tars, { tamper: (digest, blob) => (digest === small ? corrupt(blob) : undefined) });
    await expect(readTarget(only.path, { extractors: [testNpm] })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining(`one-bad: layer ${(small ?? '').slice(0, 19)}…: blob content hashes to`) });
    const both = await ociLayout(dir, 'two-bad', tars, { tamper: (digest, blob) => (digest === small || digest === big ? corrupt(blob) : undefined) });
    await expect(readTarget(both.path, { extractors: [testNpm] })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining(`two-bad: layer ${(big ?? '').slice(0, 19)}…: blob content hashes to`) });
  });
});

describe('with a layer cache', () => {
  /** A cache in memory; `images: false` keeps whole-image records out, so layers are looked up one by one. */
  const memoryCache = (): LayerCache & { layers: Map<string, LayerRecord> } => {
    const layers = new Map<string, LayerRecord>();
    return {
      layers,
      getLayer: async (key) => layers.get(key),
      putLayer: async (key, record) => void layers.set(key, structuredClone(record)),
      getImage: async (): Promise<ImageRecord | undefined> => undefined,
      putImage: async () => undefined,
    };
  };

  it('records a layer read ahead exactly as a layer read over its merged lower layers', async () => {
    const lower = await layerTar([
      { name: 'app/node_modules/a/package.json', body: pkgJson('a', '1.0.0') },
      { name: 'app/node_modules/b/package.json', body: pkgJson('b', '1.0.0') },
      { name: 'etc/motd', body: 'hello' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    ]);
    const upper = await layerTar([
      { name: 'etc/.wh.motd', body: '' },
      { name: 'app/node_modules/a/package.json', body: pkgJson('a', '2.0.0') },
      { name: 'app/node_modules/b', type: 'directory' },
      { name: 'app/node_modules/b/.wh..wh..opq', body: '' },
      { name: 'usr/lib/x', body: '' },
    ]);
    const extractors = [testNpm, presence(['etc/motd'])];
    const both = await ociLayout(dir, 'cached-both', [lower, upper]);
    const alone = await ociLayout(dir, 'cached-lower', [lower]);
    // Read together: the upper layer is read ahead of the lower one and rebased.
    const ahead = memoryCache();
    const first = await readTarget(both.path, { extractors, cache: ahead });
    // The lower layer cached first: the upper one is then read over it, in order.
    const inOrder = memoryCache();
    await readTarget(alone.path, { extractors, cache: inOrder });
    const second = await readTarget(both.path, { extractors, cache: inOrder });
    expect(second).toEqual(first);
    expect([...ahead.layers.entries()]).toEqual([...inOrder.layers.entries()]);
    const upperRecord = [...ahead.layers.values()][1];
    expect(upperRecord?.removeExact).toEqual(['etc/motd', 'app/node_modules/a/package.json']);
  });
});

describe('streamed layers (a registry image)', () => {
  const remote = (name: string, blobs: Buffer[], diffIds: string[]): RemoteImage => ({
    input: name,
    name,
    digest: sha256(name),
    plan: async () => ({
      diffIds,
      layers: blobs.map((blob) => ({ digest: sha256(blob), size: blob.length, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', source: { size: blob.length, open: async () => Readable.from([blob.subarray(0, blob.length >> 1), blob.subarray(blob.length >> 1)]) } })),
    }),
  });
  const spooled = async (): Promise<string[]> => (await readdir(tmpdir())).filter((f) => f.startsWith(`stella-blob-${process.pid}-`));

  it('reads them at the same time and leaves no spool file', async () => {
    const tars = [await layerTar([bulk(), { name: 'app/node_modules/a/package.json', body: pkgJson('a', '1.0.0') }]), await layerTar([{ name: 'app/node_modules/b/package.json', body: pkgJson('b', '1.0.0') }])];
    const inventory = await readRemoteImage(remote('registry.test/ok:1', tars.map((t) => gzip(t)), tars.map((t) => sha256(t))), { extractors: [testNpm] });
    expect(inventory.packages.map((p) => p.name)).toEqual(['a', 'b']);
    expect(await spooled()).toEqual([]);
  });

  it('a hostile layer among good ones fails the read with its one error and leaves no spool file', async () => {
    const good = await layerTar([{ name: 'app/node_modules/a/package.json', body: pkgJson('a', '1.0.0') }]);
    const big = await layerTar([bulk()]);
    const bomb = gzip(Buffer.alloc(8 << 20)); // 8 MB of zeros in 8 KB: past a 1 MB budget
    const blobs = [gzip(big), bomb, gzip(good)];
    const read = readRemoteImage(remote('registry.test/bomb:1', blobs, [sha256(big), sha256('bomb'), sha256(good)]), { extractors: [testNpm], limits: { compressionRatioFloor: 1 << 20 } });
    await expect(read).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/^registry\.test\/bomb:1: layer sha256:[0-9a-f]{12}…: decompressed size limit exceeded: /) });
    expect(await spooled()).toEqual([]);
  });
});

describe('AheadLog', () => {
  const limits = resolveLimits({});
  it('fits over lower layers without symlinks on its paths; rebases removals onto what is tracked below', () => {
    const lower = new Overlay();
    const base = lower.layer();
    base.put('etc/motd', { kind: 'file', packages: [], osRelease: undefined });
    base.put('lib', { kind: 'symlink', target: 'usr/lib' });
    lower.commit(base, 0);
    const log = new AheadLog();
    const ahead = new Overlay().layer(log);
    ahead.whiteout('etc/motd');
    ahead.whiteout('etc/absent');
    ahead.opaque('usr');
    expect(ahead.symlinkAt('usr/share')).toBeUndefined();
    expect(log.fitsOver(lower, { tracked: 0, limitReached: false }, limits)).toBe(true);
    const delta = log.rebase(ahead, lower);
    expect([...delta.removeExact]).toEqual(['etc/motd']);
    expect(delta.changed).toBe(true);
    ahead.symlinkAt('lib');
    expect(log.fitsOver(lower, { tracked: 0, limitReached: false }, limits)).toBe(false);
  });

  it('gives up past its budget: the layer is then read again in order', () => {
    const log = new AheadLog(16);
    log.exact('a/short');
    expect(log.overflowed).toBe(false);
    log.lookup('a/much/longer/path');
    expect(log.overflowed).toBe(true);
    expect(log.fitsOver(new Overlay(), { tracked: 0, limitReached: false }, limits)).toBe(false);
  });
});
