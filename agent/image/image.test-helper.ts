/**
 * Test helper for agent/image (used by the *.test.ts files beside it, not
 * by the scanner): small extractors of our own, so the image reader is tested
 * independently of the real ones, and builders of layer tars, docker
 * archives and OCI layouts with tar-stream.
 *
 * @example
 *   const layer = await layerTar([{ name: 'var/lib/dpkg/status', body: stanza('zlib1g', '1.2') }]);
 *   const file = await dockerArchive(dir, 'app.tar', [layer]);
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import type { Header } from 'tar-stream';
import { StellaError } from '../../core/errors.js';
import type { Extractor } from '../../core/extract/extractor.js';
import type { ExtractedPackage } from '../../core/model/package.js';

/** dpkg-like: `Package`, `Version`, `Architecture` of each stanza of var/lib/dpkg/status (64 MiB cap, like the real one). */
export const testDpkg: Extractor = {
  name: 'test-dpkg',
  maxFileSize: 64 * 1024 * 1024,
  fileRequired: (path) => path === 'var/lib/dpkg/status',
  extract: ({ path, contents }) => {
    const packages: ExtractedPackage[] = [];
    for (const stanza of Buffer.from(contents.buffer, contents.byteOffset, contents.byteLength).toString('utf8').split(/\n\n+/)) {
      const field = (name: string): string | undefined => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1];
      const name = field('Package');
      const version = field('Version');
      if (name === undefined || version === undefined) continue;
      const arch = field('Architecture');
      packages.push({ type: 'deb', name, version, sourceFile: path, evidence: 'package-db', ...(arch === undefined ? {} : { arch }) });
    }
    if (packages.length === 0 && contents.byteLength > 0) throw new StellaError('IMAGE_INVALID', 'not a dpkg status file');
    return { packages };
  },
};

/** npm-like: `app/node_modules/<name>/package.json` (optionally scoped). */
export const testNpm: Extractor = {
  name: 'test-npm',
  maxFileSize: 1024 * 1024,
  fileRequired: (path) => /^app\/node_modules\/(?:@[^/]+\/)?[^/.@][^/]*\/package\.json$/.test(path),
  extract: ({ path, contents }) => {
    const json = JSON.parse(Buffer.from(contents).toString('utf8')) as { name?: unknown; version?: unknown };
    if (typeof json.name !== 'string' || typeof json.version !== 'string') throw new StellaError('JSON_INVALID', 'package.json without name and version');
    return { packages: [{ type: 'npm', name: json.name, version: json.version, sourceFile: path, installPath: path.slice(0, -'/package.json'.length), evidence: 'installed' }] };
  },
};

/** Reports each wanted path it is given as a pseudo-package named after the path: shows which files survive. */
export function presence(paths: readonly string[], name = 'test-presence'): Extractor {
  return {
    name,
    maxFileSize: 1024 * 1024,
    fileRequired: (path) => paths.includes(path),
    extract: ({ path, contents }) => ({
      packages: [{ type: 'npm', name: path, version: Buffer.from(contents).toString('utf8').trim() || '0', sourceFile: path, evidence: 'installed' }],
    }),
  };
}

/** A dpkg status stanza. */
export function stanza(name: string, version: string, arch = 'amd64'): string {
  return `Package: ${name}\nStatus: install ok installed\nArchitecture: ${arch}\nVersion: ${version}\n\n`;
}

export interface EntrySpec {
  name: string;
  body?: string | Buffer;
  type?: Header['type'];
  linkname?: string;
}

/** A layer tar built with tar-stream (parent directories are not added: real layers do not need them either). */
export async function layerTar(entries: readonly EntrySpec[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const entry of entries) {
    const header: Partial<Header> & { name: string } = { name: entry.name, type: entry.type ?? 'file', mtime: new Date(0), mode: entry.type === 'directory' ? 0o755 : 0o644 };
    if (entry.linkname !== undefined) header.linkname = entry.linkname;
    if (entry.body === undefined) pack.entry(header);
    else pack.entry(header, entry.body);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function gzip(bytes: Buffer): Buffer {
  return gzipSync(bytes);
}

/** The image config `dockerArchive` writes for these diff ids. */
export function dockerConfig(diffIds: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }));
}

/** A `docker save` archive of plain (or, per layer, gzip) layer tars; returns its path. */
export async function dockerArchive(
  dir: string,
  file: string,
  layers: readonly Buffer[],
  options: { gzipLayers?: boolean; diffIds?: string[]; tag?: string } = {},
): Promise<string> {
  const config = dockerConfig(options.diffIds ?? layers.map((l) => sha256(l)));
  const configName = `${sha256(config).slice(7)}.json`;
  const entries: EntrySpec[] = [];
  const names: string[] = [];
  for (const layer of layers) {
    const stored = options.gzipLayers === true ? gzip(layer) : layer;
    const name = `${sha256(layer).slice(7)}/layer.tar`;
    names.push(name);
    entries.push({ name, body: stored });
  }
  entries.push({ name: configName, body: config });
  entries.push({ name: 'manifest.json', body: JSON.stringify([{ Config: configName, RepoTags: [options.tag ?? 'test/image:latest'], Layers: names }]) });
  const path = join(dir, file);
  await writeFile(path, await layerTar(entries));
  return path;
}

export interface OciOptions {
  /** Extra manifests put beside the image in a nested index (platform selection tests). */
  platforms?: Array<{ os: string; architecture: string }>;
  annotations?: Record<string, string>;
  /** Replace layer blob contents after computing descriptors (tamper tests). */
  tamper?: (digest: string, blob: Buffer) => Buffer | undefined;
}

/** An OCI image layout folder with gzip layers; returns its path and the manifest digest. */
export async function ociLayout(dir: string, name: string, layers: readonly Buffer[], options: OciOptions = {}): Promise<{ path: string; manifestDigest: string }> {
  const root = join(dir, name);
  await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
  const blob = async (bytes: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = sha256(bytes);
    const stored = options.tamper?.(digest, bytes) ?? bytes;
    await writeFile(join(root, 'blobs', 'sha256', digest.slice(7)), stored);
    return { digest, size: bytes.length };
  };
  const layerDescriptors = [];
  for (const layer of layers) layerDescriptors.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...(await blob(gzip(layer))) });
  const config = await blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) } })));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: layerDescriptors }));
  const manifestBlob = await blob(manifest);
  let top: object = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifestBlob, annotations: options.annotations ?? {} };
  if (options.platforms !== undefined) {
    // A nested index: decoy manifests (empty images) for the other platforms, ours as linux/amd64, listed last.
    const emptyConfig = await blob(Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [] } })));
    const decoy = await blob(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...emptyConfig }, layers: [] })));
    const manifests = options.platforms.map((platform) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...decoy, platform }));
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifestBlob, platform: { os: 'linux', architecture: 'amd64' } });
    const nested = await blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })));
    top = { mediaType: 'application/vnd.oci.image.index.v1+json', ...nested, annotations: options.annotations ?? {} };
  }
  await writeFile(join(root, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [top] }));
  await writeFile(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return { path: root, manifestDigest: manifestBlob.digest };
}
