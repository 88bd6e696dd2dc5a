/**
 * readTarget on each kind of target, built in the test: detection by
 * content, digests, OCI index resolution and verification, directory walks,
 * progress.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goModExtractor } from '../../core/extract/go/gomod.js';
import { sharedData } from '../../test/helpers/paths.js';
import type { ReadProgress } from './inventory.js';
import { readTarget } from './read-target.js';
import { dockerArchive, dockerConfig, gzip, layerTar, ociLayout, sha256, stanza, testDpkg, testNpm } from './image.test-helper.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-target-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const extractors = [testDpkg, testNpm];
const baseLayer = (): Promise<Buffer> => layerTar([
  { name: 'etc/os-release', body: 'ID=debian\nVERSION_ID="12"\n' },
  { name: 'var/lib/dpkg/status', body: stanza('zlib1g', '1.2.13') },
]);
const appLayer = (): Promise<Buffer> => layerTar([{ name: 'app/node_modules/lodash/package.json', body: '{"name":"lodash","version":"4.17.15"}' }]);

describe('detection by content', () => {
  it('reads a docker archive whatever its file name; digest = config digest, name = RepoTags[0]', async () => {
    const layers = [await baseLayer(), await appLayer()];
    const file = await dockerArchive(dir, 'no-extension', layers, { tag: 'corp/app:1.0' });
    const inventory = await readTarget(file, { extractors });
    expect(inventory).toMatchObject({ kind: 'docker-archive', name: 'corp/app:1.0', os: { id: 'debian', versionId: '12' } });
    expect(inventory.digest).toBe(sha256(dockerConfig(layers.map((l) => sha256(l)))));
    expect(inventory.packages.map((p) => p.name)).toEqual(['zlib1g', 'lodash']);
    expect(inventory.layers).toEqual(layers.map((l, index) => ({ index, diffId: sha256(l), size: l.length })));
  });

  it('reads a gzip-compressed layer inside a docker archive and checks it against the diff id', async () => {
    const base = await baseLayer();
    const good = await dockerArchive(dir, 'gz-layers.tar', [base], { gzipLayers: true });
    expect((await readTarget(good, { extractors })).packages.map((p) => p.name)).toEqual(['zlib1g']);
    const lying = await dockerArchive(dir, 'gz-lying.tar', [base], { gzipLayers: true, diffIds: [sha256('something else')] });
    await expect(readTarget(lying, { extractors })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringMatching(/^gz-lying.tar: layer sha256:.*uncompressed layer hashes to sha256:.*not to its diff id/) });
  });

  it('reads a lone layer tar, plain or gzip, as rootfs-tar: digest = file digest, one layer with the diff id', async () => {
    const tar = await baseLayer();
    await writeFile(join(dir, 'layer.tar'), tar);
    await writeFile(join(dir, 'layer.bin'), gzip(tar));
    const plain = await readTarget(join(dir, 'layer.tar'), { extractors });
    expect(plain).toMatchObject({ kind: 'rootfs-tar', name: 'layer.tar', digest: sha256(tar), layers: [{ index: 0, diffId: sha256(tar), size: tar.length }] });
    expect(plain.packages[0]).toMatchObject({ name: 'zlib1g', layer: sha256(tar) });
    const compressed = await readTarget(join(dir, 'layer.bin'), { extractors });
    expect(compressed).toMatchObject({ kind: 'rootfs-tar', digest: sha256(gzip(tar)), layers: [{ diffId: sha256(tar), digest: sha256(gzip(tar)) }] });
  });

  it('refuses what is not a target, and a missing path', async () => {
    await writeFile(join(dir, 'sbom.json'), JSON.stringify({ bomFormat: 'CycloneDX', padding: 'x'.repeat(600) }));
    await expect(readTarget(join(dir, 'sbom.json'), { extractors })).rejects.toMatchObject({ code: 'UNSUPPORTED_TARGET', message: expect.stringMatching(/^sbom.json: not a container image/) });
    await writeFile(join(dir, 'empty'), '');
    await expect(readTarget(join(dir, 'empty'), { extractors })).rejects.toMatchObject({ code: 'UNSUPPORTED_TARGET' });
    await expect(readTarget(join(dir, 'missing'), { extractors })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('checks its options', async () => {
    await expect(readTarget(dir, { extractors: [testDpkg, testDpkg] })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(readTarget(dir, { extractors, limits: { maxLayers: -1 } })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('OCI layouts', () => {
  it('picks linux/amd64 from a nested index, names the image from its annotation, digest = manifest digest', async () => {
    const layers = [await baseLayer(), await appLayer()];
    const { path, manifestDigest } = await ociLayout(dir, 'multi', layers, {
      platforms: [{ os: 'linux', architecture: 'arm64' }, { os: 'unknown', architecture: 'unknown' }],
      annotations: { 'org.opencontainers.image.ref.name': '1.0' },
    });
    const inventory = await readTarget(path, { extractors });
    expect(inventory).toMatchObject({ kind: 'oci-layout', name: 'multi:1.0', digest: manifestDigest });
    expect(inventory.layers.map((l) => l.diffId)).toEqual(layers.map((l) => sha256(l)));
    expect(inventory.layers.map((l) => l.digest)).toEqual(layers.map((l) => sha256(gzip(l))));
    expect(inventory.packages.map((p) => [p.name, p.layer])).toEqual([['zlib1g', sha256(layers[0] ?? '')], ['lodash', sha256(layers[1] ?? '')]]);
  });

  it('rejects a tampered layer blob (same size) as DIGEST_MISMATCH naming the blob', async () => {
    const layer = await baseLayer();
    const target = sha256(gzip(layer));
    const { path } = await ociLayout(dir, 'tampered', [layer], { tamper: (digest, blob) => (digest === target ? Buffer.from(blob.map((b, i) => (i === blob.length - 9 ? b ^ 1 : b))) : undefined) });
    await expect(readTarget(path, { extractors })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining(`not to its digest ${target}`) });
  });

  it('rejects a missing layer blob before reading any layer', async () => {
    const layer = await baseLayer();
    const { path } = await ociLayout(dir, 'missing-blob', [layer]);
    await rm(join(path, 'blobs', 'sha256', sha256(gzip(layer)).slice(7)));
    await expect(readTarget(path, { extractors })).rejects.toMatchObject({ code: 'IMAGE_INVALID', message: `missing-blob: layer blob ${sha256(gzip(layer))} not found` });
  });

  it('refuses a blob that is a symlink out of the layout (no host file is read)', async () => {
    const layer = await baseLayer();
    const { path } = await ociLayout(dir, 'symlinked-blob', [layer]);
    const blob = join(path, 'blobs', 'sha256', sha256(gzip(layer)).slice(7));
    await rm(blob);
    await symlink('/etc/passwd', blob);
    await expect(readTarget(path, { extractors })).rejects.toMatchObject({ code: 'IMAGE_INVALID', message: expect.stringMatching(/symlink out of the layout/) });
  });

  it('follows nested indexes up to maxIndexDepth', async () => {
    const { path } = await ociLayout(dir, 'nested', [await baseLayer()], { platforms: [] });
    // Wrap index.json's one entry (already an index) in two more indexes.
    const index = JSON.parse(await readFile(join(path, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; size: number }> };
    let inner = index.manifests[0];
    for (let i = 0; i < 2; i++) {
      const wrapper = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [inner] }));
      await writeFile(join(path, 'blobs', 'sha256', sha256(wrapper).slice(7)), wrapper);
      inner = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256(wrapper), size: wrapper.length } as typeof inner;
    }
    await writeFile(join(path, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [inner] }));
    await expect(readTarget(path, { extractors })).resolves.toMatchObject({ packages: [{ name: 'zlib1g' }] });
    await expect(readTarget(path, { extractors, limits: { maxIndexDepth: 2 } })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', message: 'nested: image indexes nested more than 2 deep' });
  });

  it('reports progress per layer, in bytes, ending at the total', async () => {
    const { path } = await ociLayout(dir, 'progress', [await baseLayer(), await appLayer()]);
    const seen: ReadProgress[] = [];
    await readTarget(path, { extractors, onProgress: (p) => seen.push(p) });
    expect(seen[0]).toMatchObject({ done: 0, what: expect.stringMatching(/^layer 1\/2 sha256:/) });
    const last = seen[seen.length - 1];
    expect(last?.done).toBe(last?.total);
    expect(seen.some((p) => p.what.startsWith('layer 2/2'))).toBe(true);
  });
});

describe('folders', () => {
  it('walks a project folder: skips .git and symlinked folders, reads a symlinked file inside the root', async () => {
    const root = join(dir, 'project');
    await mkdir(join(root, 'app', 'node_modules', 'a'), { recursive: true });
    await mkdir(join(root, 'app', 'node_modules', '.git-like'), { recursive: true });
    await mkdir(join(root, '.git', 'app', 'node_modules', 'hidden'), { recursive: true });
    await mkdir(join(root, 'elsewhere', 'b'), { recursive: true });
    await writeFile(join(root, 'app', 'node_modules', 'a', 'package.json'), '{"name":"a","version":"1.0.0"}');
    await writeFile(join(root, '.git', 'app', 'node_modules', 'hidden', 'package.json'), '{"name":"hidden","version":"1.0.0"}');
    await writeFile(join(root, 'elsewhere', 'b', 'package.json'), '{"name":"b","version":"2.0.0"}');
    await symlink('../../elsewhere/b', join(root, 'app', 'node_modules', 'linked-dir'));
    await mkdir(join(root, 'app', 'node_modules', 'c'));
    await symlink('/elsewhere/b/package.json', join(root, 'app', 'node_modules', 'c', 'package.json'));
    const inventory = await readTarget(root, { extractors });
    expect(inventory.kind).toBe('project-dir');
    expect(inventory.layers).toEqual([]);
    expect(inventory.packages.map((p) => [p.name, p.sourceFile])).toEqual([['a', 'app/node_modules/a/package.json'], ['b', 'app/node_modules/c/package.json']]);
    expect(inventory.packages.every((p) => p.layer === undefined)).toBe(true);
    const again = await readTarget(root, { extractors });
    expect(again.digest).toBe(inventory.digest);
    await writeFile(join(root, 'app', 'node_modules', 'a', 'package.json'), '{"name":"a","version":"1.0.1"}');
    expect((await readTarget(root, { extractors })).digest).not.toBe(inventory.digest);
  });

  it('hands the go.sum beside a pre-1.17 go.mod to the go-mod extractor, and its digest covers the go.sum', async () => {
    const root = join(dir, 'go-project');
    const fixtures = join(sharedData, 'fixtures', 'go-mod', 'osv-scalibr');
    await mkdir(join(root, 'svc'), { recursive: true });
    await writeFile(join(root, 'svc', 'go.mod'), await readFile(join(fixtures, 'indirect-1.16.mod')));
    await writeFile(join(root, 'svc', 'go.sum'), await readFile(join(fixtures, 'indirect-1.16.sum')));
    const inventory = await readTarget(root, { extractors: [goModExtractor] });
    expect(inventory.packages).toHaveLength(7);
    expect(inventory.packages.filter((p) => p.name === 'github.com/davecgh/go-spew').map((p) => [p.version, p.sourceFile])).toEqual([['1.1.1', 'svc/go.mod']]);
    // Same size, other content: a go.sum edit must change the digest, or a cached result would outlive it.
    const sum = await readFile(join(root, 'svc', 'go.sum'), 'utf8');
    await writeFile(join(root, 'svc', 'go.sum'), sum.replace('go-spew v1.1.1 ', 'go-spew v1.1.2 '));
    const edited = await readTarget(root, { extractors: [goModExtractor] });
    expect(edited.digest).not.toBe(inventory.digest);
    expect(edited.packages.some((p) => p.name === 'github.com/davecgh/go-spew' && p.version === '1.1.2')).toBe(true);
  });

  it('reads a root filesystem folder with its os-release symlink resolved inside the folder', async () => {
    const root = join(dir, 'rootfs');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'usr', 'lib'), { recursive: true });
    await mkdir(join(root, 'var', 'lib', 'dpkg'), { recursive: true });
    await writeFile(join(root, 'usr', 'lib', 'os-release'), 'ID=debian\nVERSION_CODENAME=bookworm\n');
    await symlink('/usr/lib/os-release', join(root, 'etc', 'os-release')); // absolute: must not read the host's
    await writeFile(join(root, 'var', 'lib', 'dpkg', 'status'), stanza('zlib1g', '1'));
    const inventory = await readTarget(root, { extractors });
    expect(inventory).toMatchObject({ kind: 'rootfs-dir', name: 'rootfs', os: { id: 'debian', versionCodename: 'bookworm' } });
    expect(inventory.packages.map((p) => p.name)).toEqual(['zlib1g']);
  });
});
