/**
 * Layer semantics on small synthetic images (docker archives built with
 * tar-stream): whiteouts, opaque directories, replaced files, symlinks,
 * hardlinks, and which layer a package is attributed to.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Extractor } from '../../core/extract/extractor.js';
import type { TargetInventory } from './inventory.js';
import { readTarget } from './read-target.js';
import { dockerArchive, layerTar, presence, sha256, stanza, testDpkg, testNpm } from './image.test-helper.js';
import type { EntrySpec } from './image.test-helper.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-overlay-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function image(layers: EntrySpec[][], extractors: readonly Extractor[] = [testDpkg, testNpm]): Promise<{ inventory: TargetInventory; diffIds: string[] }> {
  const tars = await Promise.all(layers.map((entries) => layerTar(entries)));
  const file = await dockerArchive(dir, `image-${counter++}.tar`, tars);
  return { inventory: await readTarget(file, { extractors }), diffIds: tars.map((t) => sha256(t)) };
}

const pkgJson = (name: string, version: string): string => JSON.stringify({ name, version });
const names = (inventory: TargetInventory): string[] => inventory.packages.map((p) => `${p.name}@${p.version}`);
const layerOf = (inventory: TargetInventory, name: string): string | undefined => inventory.packages.find((p) => p.name === name)?.layer;

describe('whiteouts', () => {
  it('.wh.<name> removes a lower file and a lower directory with everything under it', async () => {
    const { inventory } = await image([
      [
        { name: 'app/node_modules/a/package.json', body: pkgJson('a', '1.0.0') },
        { name: 'app/node_modules/b/package.json', body: pkgJson('b', '2.0.0') },
        { name: 'app/node_modules/b/lib/x.js', body: '' },
        { name: 'etc/motd', body: 'hello' },
      ],
      [
        { name: 'app/node_modules/.wh.b', body: '' },
        { name: 'etc/.wh.motd', body: '' },
      ],
    ], [testNpm, presence(['etc/motd'])]);
    expect(names(inventory)).toEqual(['a@1.0.0']);
  });

  it('applies to lower layers only: the same layer may add the path again', async () => {
    const { inventory, diffIds } = await image([
      [{ name: 'app/node_modules/a/package.json', body: pkgJson('a', '1.0.0') }],
      [
        { name: 'app/node_modules/a/package.json', body: pkgJson('a', '1.1.0') },
        { name: 'app/node_modules/.wh.a', body: '' }, // after the new file in the tar: still only hides the lower one
      ],
    ]);
    expect(names(inventory)).toEqual(['a@1.1.0']);
    expect(layerOf(inventory, 'a')).toBe(diffIds[1]);
  });

  it('.wh..wh..opq hides the lower contents of its directory but not the directory itself or siblings', async () => {
    const { inventory } = await image([
      [
        { name: 'app/node_modules/a/package.json', body: pkgJson('a', '1.0.0') },
        { name: 'app/node_modules/b/package.json', body: pkgJson('b', '1.0.0') },
        { name: 'app/other/package.json', body: 'kept' },
      ],
      [
        { name: 'app/node_modules/.wh..wh..opq', body: '' },
        { name: 'app/node_modules/c/package.json', body: pkgJson('c', '3.0.0') },
      ],
    ], [testNpm, presence(['app/other/package.json'])]);
    expect(names(inventory)).toEqual(['app/other/package.json@kept', 'c@3.0.0']);
  });

  it('a file replacing a lower directory removes everything under it; a directory replacing a lower file removes the file', async () => {
    const { inventory } = await image([
      [
        { name: 'app/node_modules/a/package.json', body: pkgJson('a', '1.0.0') },
        { name: 'var/lib/dpkg/status', body: stanza('zlib1g', '1') },
      ],
      [
        { name: 'app/node_modules/a', body: 'now a file' },
        { name: 'var/lib/dpkg/status', type: 'directory' },
      ],
    ]);
    expect(names(inventory)).toEqual([]);
  });

  it('ignores whiteouts that name nothing or escape the root, with warnings', async () => {
    const { inventory } = await image([
      [{ name: 'var/lib/dpkg/status', body: stanza('zlib1g', '1') }],
      [
        { name: 'var/.wh...', body: '' },
        { name: 'var/.wh..', body: '' },
        { name: 'var/.wh.', body: '' },
        { name: '../.wh.var', body: '' },
        { name: 'var/.wh..wh.plnk', body: '' }, // AUFS metadata: silently not a whiteout
      ],
    ]);
    expect(names(inventory)).toEqual(['zlib1g@1']);
    expect(inventory.warnings).toEqual([
      'layer 2: var/.wh...: whiteout of ".." does not name an entry; ignored',
      'layer 2: var/.wh..: whiteout of "." does not name an entry; ignored',
      'layer 2: var/.wh.: whiteout of "" does not name an entry; ignored',
      'layer 2: ../.wh.var: path escapes the image root; skipped',
    ]);
  });
});

describe('layer attribution', () => {
  it('keeps the base layer for packages carried over when a later layer rewrites the database', async () => {
    const { inventory, diffIds } = await image([
      [{ name: 'var/lib/dpkg/status', body: stanza('libc6', '2.36') + stanza('zlib1g', '1.2') }],
      [{ name: 'etc/unrelated', body: 'x' }],
      [{ name: 'var/lib/dpkg/status', body: stanza('libc6', '2.36') + stanza('zlib1g', '1.3') + stanza('python3', '3.11') }],
    ]);
    expect(inventory.packages.map((p) => [p.name, p.version, p.layer])).toEqual([
      ['libc6', '2.36', diffIds[0]],
      ['python3', '3.11', diffIds[2]],
      ['zlib1g', '1.3', diffIds[2]], // upgraded: a new package version, introduced by layer 3
    ]);
  });

  it('restarts attribution when a package disappears and comes back', async () => {
    const { inventory, diffIds } = await image([
      [{ name: 'var/lib/dpkg/status', body: stanza('libc6', '2.36') }],
      [{ name: 'var/lib/dpkg/.wh.status', body: '' }],
      [{ name: 'var/lib/dpkg/status', body: stanza('libc6', '2.36') }],
    ]);
    expect(inventory.packages.map((p) => p.layer)).toEqual([diffIds[2]]);
  });

  it('tracks a package across the files that record it (same install path)', async () => {
    const { inventory, diffIds } = await image([
      [{ name: 'app/node_modules/a/package.json', body: pkgJson('a', '1.0.0') }],
      [{ name: 'app/node_modules/a/package.json', body: JSON.stringify({ name: 'a', version: '1.0.0', description: 'touched' }) }],
    ]);
    expect(inventory.packages.map((p) => p.layer)).toEqual([diffIds[0]]);
  });
});

describe('symlinks and hardlinks', () => {
  const debian = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

  it('reads os-release through a relative symlink, an absolute one, and falls back to usr/lib/os-release', async () => {
    const relative = await image([[{ name: 'usr/lib/os-release', body: debian }, { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' }]]);
    expect(relative.inventory.os).toMatchObject({ id: 'debian', versionId: '12', versionCodename: 'bookworm' });
    const absolute = await image([[{ name: 'opt/release/os-release', body: 'ID=alpine\n' }, { name: 'etc/os-release', type: 'symlink', linkname: '/opt/release/os-release' }]]);
    expect(absolute.inventory.os?.id).toBe('alpine');
    const fallback = await image([[{ name: 'usr/lib/os-release', body: debian }], [{ name: 'etc/os-release', type: 'symlink', linkname: '/nowhere/os-release' }]]);
    expect(fallback.inventory.os?.id).toBe('debian');
    const removed = await image([[{ name: 'usr/lib/os-release', body: debian }, { name: 'etc/os-release', body: 'ID=ubuntu\n' }], [{ name: 'etc/.wh.os-release', body: '' }]]);
    expect(removed.inventory.os?.id).toBe('debian');
  });

  it('never resolves a symlink outside the root: an escaping target is clamped at the root', async () => {
    const { inventory } = await image([[
      { name: 'etc/os-release', body: 'ID=inside\n' },
      { name: 'usr/lib/os-release', type: 'symlink', linkname: '../../../../../../etc/os-release' },
    ]]);
    expect(inventory.os?.id).toBe('inside');
    expect(inventory.warnings).toEqual(['layer 1: usr/lib/os-release -> ../../../../../../etc/os-release: symlink points above the image root; resolved inside it']);
  });

  it('places entries written below a symlinked directory where the link points (inside the root)', async () => {
    const { inventory } = await image([
      [{ name: 'data', type: 'symlink', linkname: '/var/lib' }],
      [{ name: 'data/dpkg/status', body: stanza('zlib1g', '1') }],
    ]);
    expect(inventory.packages.map((p) => [p.name, p.sourceFile])).toEqual([['zlib1g', 'var/lib/dpkg/status']]);
  });

  it('reads a required file that is a hardlink to an earlier entry (second pass), and skips links to later or missing entries', async () => {
    const { inventory } = await image([
      [
        { name: 'store/f00d', body: stanza('zlib1g', '1') },
        { name: 'var/lib/dpkg/status', type: 'link', linkname: 'store/f00d' },
        { name: 'app/node_modules/a/package.json', type: 'link', linkname: 'store/later' },
        { name: 'store/later', body: pkgJson('a', '1.0.0') },
        { name: 'app/node_modules/b/package.json', type: 'link', linkname: '/store/missing' },
      ],
    ]);
    expect(inventory.packages.map((p) => [p.name, p.sourceFile])).toEqual([['zlib1g', 'var/lib/dpkg/status']]);
    expect(inventory.warnings).toEqual([
      'layer 1: app/node_modules/b/package.json: hardlink to absolute /store/missing, read as relative to the image root',
      'layer 1: app/node_modules/a/package.json: hardlink to store/later, which is not an earlier regular file of this layer; skipped',
      'layer 1: app/node_modules/b/package.json: hardlink to store/missing, which is not an earlier regular file of this layer; skipped',
    ]);
  });

  it('a later entry at a hardlink path replaces the link', async () => {
    const { inventory } = await image([[
      { name: 'store/f00d', body: stanza('old', '1') },
      { name: 'var/lib/dpkg/status', type: 'link', linkname: 'store/f00d' },
      { name: 'var/lib/dpkg/status', body: stanza('new', '2') },
    ]]);
    expect(names(inventory)).toEqual(['new@2']);
  });

  it('never reads devices or FIFOs, even at a required path', async () => {
    const { inventory } = await image([[{ name: 'var/lib/dpkg/status', type: 'fifo' }, { name: 'dev/null', type: 'character-device' }]]);
    expect(inventory.packages).toEqual([]);
    expect(inventory.warnings).toEqual(['layer 1: var/lib/dpkg/status: a fifo, not a regular file; not read']);
  });
});

describe('extraction', () => {
  it('turns an extractor failure into a warning "path: message" and goes on', async () => {
    const { inventory } = await image([[
      { name: 'app/node_modules/bad/package.json', body: '{ not json' },
      { name: 'app/node_modules/good/package.json', body: pkgJson('good', '1.0.0') },
    ]]);
    expect(names(inventory)).toEqual(['good@1.0.0']);
    expect(inventory.warnings).toHaveLength(1);
    expect(inventory.warnings[0]).toMatch(/^layer 1: app\/node_modules\/bad\/package.json: .*JSON/);
  });

  it('refuses a required file over the extractor cap, or skips it with a warning under oversizedFile: warn', async () => {
    const tiny: Extractor = { ...testDpkg, name: 'tiny', maxFileSize: 10 };
    const tars = [await layerTar([{ name: 'var/lib/dpkg/status', body: stanza('zlib1g', '1') }, { name: 'etc/os-release', body: 'ID=debian\n' }])];
    const file = await dockerArchive(dir, 'oversized.tar', tars);
    await expect(readTarget(file, { extractors: [tiny] })).rejects.toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: expect.stringMatching(/^oversized.tar: layer sha256:[0-9a-f]{12}…: var\/lib\/dpkg\/status is \d+ bytes, over the tiny limit of 10$/),
    });
    const inventory = await readTarget(file, { extractors: [tiny], limits: { oversizedFile: 'warn' } });
    expect(inventory.packages).toEqual([]);
    expect(inventory.os?.id).toBe('debian');
    expect(inventory.warnings).toEqual([`layer 1: var/lib/dpkg/status: ${Buffer.byteLength(stanza('zlib1g', '1'))} bytes, over the tiny limit of 10; skipped`]);
  });

  it('keeps every warning on one line, whatever the names hold', async () => {
    const { inventory } = await image([[{ name: 'var/lib/dpkg/status\n[ERROR] forged', type: 'fifo' }, { name: '../x\ny', body: '' }]], [presence(['var/lib/dpkg/status\n[ERROR] forged'])]);
    expect(inventory.warnings).toEqual([
      'layer 1: var/lib/dpkg/status\\n[ERROR] forged: a fifo, not a regular file; not read',
      'layer 1: ../x\\ny: path escapes the image root; skipped',
    ]);
  });

  it('stops reading a layer past the entry limit, with one warning', async () => {
    const entries: EntrySpec[] = Array.from({ length: 50 }, (_, i) => ({ name: `e/${i}`, body: '' }));
    entries.push({ name: 'var/lib/dpkg/status', body: stanza('late', '1') });
    const file = await dockerArchive(dir, 'many.tar', [await layerTar([{ name: 'var/lib/dpkg/status', body: stanza('early', '1') }]), await layerTar(entries)]);
    const inventory = await readTarget(file, { extractors: [testDpkg], limits: { maxEntriesPerLayer: 20 } });
    expect(names(inventory)).toEqual(['early@1']);
    expect(inventory.warnings).toEqual(['layer 2: more than 20 entries; the rest of this layer is not read']);
  });
});
