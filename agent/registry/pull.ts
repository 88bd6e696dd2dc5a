/**
 * A registry image as agent/image reads it: the manifest resolved (and the
 * platform chosen) up front, so the manifest digest can answer from the
 * cache; the config fetched and checked only when the image must be read;
 * each layer a stream of its blob, straight from the response body into
 * the layer reader, which checks its digest (a mismatch fails the scan
 * naming the blob, and nothing of it is cached). A blob longer than its
 * descriptor says is cut off as soon as it overruns (layer-source.ts).
 *
 * @example
 *   const image = await openRegistryImage('registry://127.0.0.1:5000/app:1', { insecure: [] });
 *   const inventory = await readRemoteImage(image, { extractors, cache });
 */
import { createHash } from 'node:crypto';
import { StellaError } from '../../core/errors.js';
import type { RemoteImage, RemoteLayers, StreamedBlob } from '../image/index.js';
import { DEFAULT_LIMITS } from '../image/index.js';
import { RegistryClient } from './client.js';
import { registryCredentials } from './credentials.js';
import type { RegistryCredentials } from './credentials.js';
import { resolveManifest, parseJson } from './manifest.js';
import { nodePlatform, parsePlatform } from './platform.js';
import { parseRegistryReference } from './reference.js';
import { readBounded } from './transport.js';

/** How to pull: platform, hosts allowed over plain http, credentials (default: env and config file). */
export interface PullOptions {
  /** `os/arch[/variant]`; default the node's. */
  platform?: string;
  insecure?: readonly string[];
  credentials?: RegistryCredentials;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Resolves `input` (`registry://…`) to one image manifest; see the module comment. */
export async function openRegistryImage(input: string, options: PullOptions = {}): Promise<RemoteImage> {
  const ref = parseRegistryReference(input);
  const platform = options.platform === undefined ? nodePlatform() : parsePlatform(options.platform);
  const credentials = options.credentials ?? (await registryCredentials(ref.host));
  const client = new RegistryClient(ref, { insecure: options.insecure ?? [], credentials });
  const maxBytes = DEFAULT_LIMITS.maxMetadataBytes;
  const { digest, manifest } = await resolveManifest(client, platform, maxBytes);
  return { input, name: ref.name, digest, plan: () => planLayers(client, manifest, maxBytes) };
}

async function planLayers(client: RegistryClient, manifest: Record<string, unknown>, maxBytes: number): Promise<RemoteLayers> {
  const input = client.ref.input;
  const config = descriptor(manifest['config'], 'config', input);
  const response = await client.get(`blobs/${config.digest}`, undefined, `config blob ${config.digest}`);
  const bytes = await readBounded(response, Math.min(maxBytes, config.size), `config blob ${config.digest}`, input);
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== config.digest) throw new StellaError('DIGEST_MISMATCH', `${input}: config blob ${config.digest} hashes to ${actual}`);
  const rootfs = parseJson(bytes, input)['rootfs'] as Record<string, unknown> | undefined;
  const diffIds = rootfs?.['diff_ids'];
  if (!Array.isArray(diffIds) || !diffIds.every((d): d is string => typeof d === 'string' && DIGEST.test(d))) {
    throw new StellaError('IMAGE_INVALID', `${input}: image config has no valid rootfs.diff_ids`);
  }
  const list = manifest['layers'];
  if (!Array.isArray(list)) throw new StellaError('IMAGE_INVALID', `${input}: the manifest has no layers list`);
  const layers = list.map((item, i) => {
    const layer = descriptor(item, `layers[${i}]`, input);
    return { ...layer, source: blobSource(client, layer.digest, layer.size) };
  });
  return { diffIds, layers };
}

function blobSource(client: RegistryClient, digest: string, size: number): StreamedBlob {
  const label = `blob ${digest}`;
  return {
    size,
    open: async () => (await client.get(`blobs/${digest}`, undefined, label)).body,
  };
}

function descriptor(value: unknown, label: string, input: string): { digest: string; size: number; mediaType: string | undefined } {
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  const digest = fields?.['digest'];
  const size = fields?.['size'];
  if (typeof digest !== 'string' || !DIGEST.test(digest) || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new StellaError('IMAGE_INVALID', `${input}: manifest ${label} is not a descriptor with a sha256 digest and a size`);
  }
  return { digest, size, mediaType: typeof fields?.['mediaType'] === 'string' ? fields['mediaType'] : undefined };
}
