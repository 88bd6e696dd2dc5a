#!/usr/bin/env node
// Builds examples/sample-image.oci.tar: a small real OCI image derived from
// the `debian-node` image that shared/tools/make-images.sh builds. It keeps
// the image's four layers and, from each, only what a scanner reads — the
// OS release, the dpkg database, the npm app's lockfiles and installed
// package.json files — plus every whiteout. So the sample has the same
// packages, the same layer story (a whiteout deletes minimist, the python3
// layer rewrites the dpkg database) and weighs ~100 KB instead of 60 MB.
//
// Usage: node scripts/make-sample-image.mjs IMAGES_DIR OUT.oci.tar
// Deterministic: the same input gives the same bytes.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const [imagesDir, outFile] = process.argv.slice(2);
if (!imagesDir || !outFile) {
  console.error('usage: make-sample-image.mjs IMAGES_DIR OUT.oci.tar');
  process.exit(2);
}
const layout = join(imagesDir, 'debian-node.oci');
const MTIME = new Date(1747699200 * 1000);
const KEEP = [
  /^etc\/os-release$/,
  /^usr\/lib\/os-release$/,
  /^var\/lib\/dpkg\/status$/,
  /^app\/package(-lock)?\.json$/,
  /^app\/node_modules\/\.package-lock\.json$/,
  /^app\/node_modules\/(@[^/]+\/)?[^/]+\/package\.json$/,
  /^app\/node_modules\/[^/]+\/node_modules\/(@[^/]+\/)?[^/]+\/package\.json$/,
  /(^|\/)\.wh\./,
];

const blob = (digest) => join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const json = (value) => Buffer.from(JSON.stringify(value));

const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8'));

const blobs = new Map();
const layers = [];
const diffIds = [];
for (const descriptor of manifest.layers) {
  const entries = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      if (KEEP.some((re) => re.test(name))) entries.push({ header: { ...header, name }, body: Buffer.concat(chunks) });
      next();
    });
  });
  await pipeline(createReadStream(blob(descriptor.digest)), createGunzip(), extract);
  entries.sort((a, b) => (a.header.name < b.header.name ? -1 : 1));
  const tarBytes = await packTar(
    entries.map(({ header, body }) => ({
      header: { name: header.name, type: header.type, linkname: header.linkname, mode: header.mode, mtime: MTIME, uid: 0, gid: 0, uname: '', gname: '' },
      body: header.type === 'file' ? body : undefined,
    })),
  );
  const gz = gzipSync(tarBytes, { level: 9 });
  diffIds.push(sha256(tarBytes));
  const digest = sha256(gz);
  blobs.set(digest, gz);
  layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: gz.length });
}

const newConfig = json({ ...config, rootfs: { type: 'layers', diff_ids: diffIds } });
const configDigest = sha256(newConfig);
blobs.set(configDigest, newConfig);
const newManifest = json({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: newConfig.length },
  layers,
});
const manifestDigest = sha256(newManifest);
blobs.set(manifestDigest, newManifest);
const newIndex = json({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: manifestDigest,
      size: newManifest.length,
      annotations: { 'org.opencontainers.image.ref.name': 'latest', 'io.containerd.image.name': 'stella-mesh/sample-debian-node:latest' },
    },
  ],
});

const archive = [
  { header: { name: 'blobs/', type: 'directory', mode: 0o755, mtime: MTIME } },
  { header: { name: 'blobs/sha256/', type: 'directory', mode: 0o755, mtime: MTIME } },
  ...[...blobs.keys()].sort().map((digest) => ({ header: { name: `blobs/sha256/${digest.slice(7)}`, type: 'file', mode: 0o644, mtime: MTIME }, body: blobs.get(digest) })),
  { header: { name: 'index.json', type: 'file', mode: 0o644, mtime: MTIME }, body: newIndex },
  { header: { name: 'oci-layout', type: 'file', mode: 0o644, mtime: MTIME }, body: json({ imageLayoutVersion: '1.0.0' }) },
];
writeFileSync(outFile, await packTar(archive));
console.log(`${outFile}: ${layers.length} layers, manifest ${manifestDigest}`);

async function packTar(items) {
  const pack = tar.pack();
  const done = new Promise((resolve, reject) => {
    const chunks = [];
    pack.on('data', (c) => chunks.push(c));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const { header, body } of items) {
    await new Promise((resolve, reject) => {
      const entry = pack.entry({ ...header, size: body ? body.length : 0 }, (error) => (error ? reject(error) : resolve()));
      if (body) entry.end(body);
      else if (header.type === 'file') entry.end();
    });
  }
  pack.finalize();
  return done;
}
