/**
 * The real images of the test corpus (shared/tools/make-images.sh, cached in
 * .cache/images): debian-node in its three layouts, 4 layers (Debian base,
 * npm app, whiteouts, python3). Checked against the build's own records in
 * info/ — diff ids, dpkg package list — with our test extractors and with
 * the real ones.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExtractInput } from '../../core/extract/extractor.js';
import { builtinExtractors } from '../../core/extract/registry.js';
import { imagesDir } from '../../test/helpers/paths.js';
import type { TargetInventory } from './inventory.js';
import { readTarget } from './read-target.js';
import { presence, sha256, testDpkg, testNpm } from './image.test-helper.js';

const layouts = ['debian-node.docker.tar', 'debian-node.oci.tar', 'debian-node.oci'] as const;
const kinds = { 'debian-node.docker.tar': 'docker-archive', 'debian-node.oci.tar': 'oci-archive', 'debian-node.oci': 'oci-layout' } as const;

/** LAYER lines of info/build.txt: name → diff id and blob digest. */
function builtLayers(): Array<{ name: string; diffId: string; blob: string }> {
  const text = readFileSync(join(imagesDir, 'info', 'build.txt'), 'utf8');
  return [...text.matchAll(/^LAYER (\S+) diff_id=(\S+) blob=(\S+)/gm)].map((m) => ({ name: m[1] ?? '', diffId: m[2] ?? '', blob: m[3] ?? '' }));
}

/**
 * name\tversion\tarch lines of an info/*.dpkg.tsv. dpkg-query's
 * `${binary:Package}` qualifies Multi-Arch: same packages (`libc6:amd64`);
 * the package name is the part before the colon.
 */
function dpkgList(file: string): string[] {
  return readFileSync(join(imagesDir, 'info', file), 'utf8').split('\n').filter((line) => line !== '').map((line) => line.replace(/^([^\t:]+):[^\t]+\t/, '$1\t')).sort();
}

const layers = builtLayers();
const recorded = new Map<string, TargetInventory>();
const real = new Map<string, TargetInventory>();
/** Files the probe extractor was handed, per layout, in the order the layers were read. */
const probed = new Map<string, string[]>();

beforeAll(async () => {
  // One read per layout and extractor set, shared by the tests below.
  const files = presence(['etc/motd', 'app/node_modules/minimist/package.json', 'app/package.json']);
  for (const layout of layouts) {
    const calls: string[] = [];
    probed.set(layout, calls);
    const probe = { ...files, extract: (input: ExtractInput) => (calls.push(input.path), files.extract(input)) };
    recorded.set(layout, await readTarget(join(imagesDir, layout), { extractors: [testDpkg, testNpm, probe] }));
    real.set(layout, await readTarget(join(imagesDir, layout), { extractors: builtinExtractors }));
  }
});

function get(map: Map<string, TargetInventory>, layout: string): TargetInventory {
  const inventory = map.get(layout);
  if (inventory === undefined) return expect.fail(`${layout} was not read`);
  return inventory;
}

describe.each(layouts)('%s', (layout) => {
  it('has the 4 layers of the build, with their diff ids (and blob digests for OCI)', () => {
    const inventory = get(recorded, layout);
    expect(layers.map((l) => l.name)).toEqual(['base', 'app', 'whiteout', 'python3']);
    expect(inventory.kind).toBe(kinds[layout]);
    expect(inventory.name).toBe('corpus/debian-node:latest');
    expect(inventory.layers.map((l) => l.diffId)).toEqual(layers.map((l) => l.diffId));
    expect(inventory.layers.map((l) => l.index)).toEqual([0, 1, 2, 3]);
    if (layout !== 'debian-node.docker.tar') expect(inventory.layers.map((l) => l.digest)).toEqual(layers.map((l) => l.blob));
    expect(inventory.warnings).toEqual([]);
  });

  it('resolves os-release (a symlink to ../usr/lib/os-release) to Debian 12 bookworm', () => {
    expect(get(recorded, layout).os).toEqual({ id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
  });

  it('applies the whiteout layer: app/node_modules/minimist and etc/motd are gone, the rest of the app is there', () => {
    // Both were read from the lower layers...
    expect(probed.get(layout)).toEqual(['etc/motd', 'app/node_modules/minimist/package.json', 'app/package.json']);
    // ...and only app/package.json survives.
    const files = get(recorded, layout).packages.filter((p) => p.name === p.sourceFile).map((p) => p.name);
    expect(files).toEqual(['app/package.json']);
    const npm = get(recorded, layout).packages.filter((p) => p.type === 'npm' && p.name !== p.sourceFile);
    expect(npm.map((p) => p.name)).not.toContain('minimist');
    expect(npm.map((p) => p.name)).toContain('lodash');
    expect(npm.every((p) => p.layer === layers[1]?.diffId)).toBe(true);
  });

  it('finds exactly the dpkg packages of info/debian-node.dpkg.tsv with the test extractor: base from layer 1, python3 from layer 4', () => {
    const debs = get(recorded, layout).packages.filter((p) => p.type === 'deb');
    expect(debs.map((p) => `${p.name}\t${p.version}\t${p.arch ?? ''}`).sort()).toEqual(dpkgList('debian-node.dpkg.tsv'));
    const base = new Set(dpkgList('debian-base.dpkg.tsv'));
    for (const p of debs) expect([p.name, p.layer]).toEqual([p.name, base.has(`${p.name}\t${p.version}\t${p.arch ?? ''}`) ? layers[0]?.diffId : layers[3]?.diffId]);
    expect(debs.find((p) => p.name === 'python3')?.layer).toBe(layers[3]?.diffId);
  });

  it('with the real extractors (core/extract/registry.ts): dpkg packages == info/debian-node.dpkg.tsv exactly, with the same attribution', () => {
    const inventory = get(real, layout);
    expect(inventory.warnings).toEqual([]);
    const debs = inventory.packages.filter((p) => p.type === 'deb');
    expect(debs.map((p) => `${p.name}\t${p.version}\t${p.arch ?? ''}`).sort()).toEqual(dpkgList('debian-node.dpkg.tsv'));
    const base = new Set(dpkgList('debian-base.dpkg.tsv'));
    const python = debs.filter((p) => !base.has(`${p.name}\t${p.version}\t${p.arch ?? ''}`));
    expect(python.length).toBeGreaterThan(10);
    expect(new Set(python.map((p) => p.layer))).toEqual(new Set([layers[3]?.diffId]));
    expect(new Set(debs.filter((p) => !python.includes(p)).map((p) => p.layer))).toEqual(new Set([layers[0]?.diffId]));
    const installed = inventory.packages.filter((p) => p.type === 'npm' && p.evidence === 'installed').map((p) => p.name);
    expect(installed).not.toContain('minimist');
    expect(installed).toContain('express');
  });
});

describe('image identity across layouts', () => {
  it('gives the OCI layout and the OCI archive the same digest: the manifest digest of index.json', () => {
    const index = JSON.parse(readFileSync(join(imagesDir, 'debian-node.oci', 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    expect(get(recorded, 'debian-node.oci').digest).toBe(index.manifests[0]?.digest);
    expect(get(recorded, 'debian-node.oci.tar').digest).toBe(index.manifests[0]?.digest);
  });

  it('gives the docker archive the digest of its config (docker image ID), the same config the OCI manifest names', () => {
    const index = JSON.parse(readFileSync(join(imagesDir, 'debian-node.oci', 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifestFile = join(imagesDir, 'debian-node.oci', 'blobs', 'sha256', (index.manifests[0]?.digest ?? '').slice(7));
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { config: { digest: string } };
    const config = readFileSync(join(imagesDir, 'debian-node.oci', 'blobs', 'sha256', manifest.config.digest.slice(7)));
    expect(get(recorded, 'debian-node.docker.tar').digest).toBe(sha256(config));
    expect(manifest.config.digest).toBe(sha256(config));
  });

  it('reports the same packages in every layout', () => {
    const strip = (inventory: TargetInventory): string[] => inventory.packages.map((p) => JSON.stringify(p));
    expect(strip(get(real, 'debian-node.oci.tar'))).toEqual(strip(get(real, 'debian-node.oci')));
    expect(strip(get(real, 'debian-node.docker.tar'))).toEqual(strip(get(real, 'debian-node.oci')));
  });
});
