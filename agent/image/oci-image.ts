/**
 * OCI images (layout folder or archive): `index.json` → (nested indexes) →
 * manifest → config and layers. Every blob is checked against its digest:
 * indexes, manifests and configs when read (they are small), layers while
 * they stream. Docker v2 manifests and manifest lists read the same way.
 *
 * Choosing a manifest: attestation manifests are ignored; linux/amd64 wins,
 * else the first. Nested indexes are followed up to `maxIndexDepth`, and a
 * digest seen twice on the way is a cycle.
 *
 * @example
 *   const result = await readOciImage(await layoutStore(dir, 'app.oci'), 'app.oci', context);
 *   result.digest; // the manifest digest, the same for the layout and the archive
 */
import { StellaError } from '../../core/errors.js';
import { readRange, sha256Digest } from './byte-range.js';
import { checkDigest, isObject, jsonObject } from './image-json.js';
import type { JsonObject } from './image-json.js';
import type { OciStore } from './oci-store.js';
import { readLayers, shortDigest } from './read-layers.js';
import type { ImageResult, LayerPlan, LayersContext } from './read-layers.js';
import type { ByteRange } from './byte-range.js';
import { readThroughImageCache } from './image-cache.js';
import type { ImageParts } from './image-cache.js';

interface Descriptor {
  mediaType: string | undefined;
  digest: string;
  size: number;
  platform: { os?: unknown; architecture?: unknown } | undefined;
  annotations: Record<string, unknown>;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** Reads the image of an OCI layout or archive; `baseName` names it when the index carries only a tag. */
export async function readOciImage(store: OciStore, context: LayersContext, baseName: string): Promise<ImageResult> {
  const { input, limits } = context;
  const indexRange = await store.file('index.json');
  if (indexRange === undefined) throw new StellaError('IMAGE_INVALID', `${input}: index.json not found`);
  const index = jsonObject(await readRange(indexRange, 'index.json', limits.maxMetadataBytes, input), 'index.json', input);
  const top = choose(descriptors(index, 'index.json', input), 'index.json', input);
  const { digest: manifestDigest, document: manifest } = await resolveManifest(store, top, context);
  const parts = await readThroughImageCache(context, manifestDigest, () => readManifestLayers(store, manifestDigest, manifest, context));
  return { name: imageName(top, baseName), digest: manifestDigest, ...parts };
}

/** The config and layers of one image manifest (digest-checked), read into the overlay. */
async function readManifestLayers(store: OciStore, manifestDigest: string, manifest: JsonObject, context: LayersContext): Promise<ImageParts> {
  const { input, limits } = context;

  const layerDescriptors = descriptorList(manifest, 'layers', `manifest ${shortDigest(manifestDigest)}`, input);
  if (layerDescriptors.length > limits.maxLayers) {
    throw new StellaError('LIMIT_EXCEEDED', `${input}: manifest ${shortDigest(manifestDigest)} has ${layerDescriptors.length} layers, more than the limit of ${limits.maxLayers}`);
  }
  const configDescriptor = descriptor(manifest['config'], `manifest ${shortDigest(manifestDigest)} config`, input);
  const config = jsonObject(await readBlob(store, configDescriptor, 'image config', context), 'image config', input);
  const rootfs = config['rootfs'];
  const diffIds = isObject(rootfs) && Array.isArray(rootfs['diff_ids']) ? rootfs['diff_ids'] : undefined;
  if (diffIds === undefined) throw new StellaError('IMAGE_INVALID', `${input}: image config has no rootfs.diff_ids`);
  if (diffIds.length !== layerDescriptors.length) {
    throw new StellaError('IMAGE_INVALID', `${input}: the manifest has ${layerDescriptors.length} layers but the config has ${diffIds.length} diff ids`);
  }
  // Locate every layer before reading any: a missing blob fails fast.
  const plans: LayerPlan[] = [];
  for (const [i, layer] of layerDescriptors.entries()) {
    if (layer.mediaType?.includes('zstd') === true) {
      throw new StellaError('UNSUPPORTED_TARGET', `${input}: layer ${shortDigest(layer.digest)} is zstd-compressed (${layer.mediaType}); recompress the image with gzip`);
    }
    const range = await locate(store, layer, 'layer', input);
    plans.push({ range, digest: layer.digest, diffId: checkDigest(diffIds[i], `image config rootfs.diff_ids[${i}]`, input), diffIdCheck: 'if-free' });
  }
  const { layers, packages, os } = await readLayers(plans, context);
  return { layers, packages, os };
}

/** Follows indexes from `start` to an image manifest. */
async function resolveManifest(store: OciStore, start: Descriptor, context: LayersContext): Promise<{ digest: string; document: JsonObject }> {
  const { input, limits } = context;
  const seen = new Set<string>();
  let current = start;
  for (let depth = 0; ; depth++) {
    if (seen.has(current.digest)) throw new StellaError('IMAGE_INVALID', `${input}: index cycle detected at ${shortDigest(current.digest)}`);
    seen.add(current.digest);
    const label = INDEX_TYPES.has(current.mediaType ?? '') ? 'index' : 'manifest';
    const document = jsonObject(await readBlob(store, current, `${label} blob`, context), `${label} ${shortDigest(current.digest)}`, input);
    // The blob's own shape decides (its digest is verified): an index lists manifests, a manifest lists layers.
    if (!Array.isArray(document['manifests']) || Array.isArray(document['layers'])) return { digest: current.digest, document };
    if (depth >= limits.maxIndexDepth) {
      throw new StellaError('LIMIT_EXCEEDED', `${input}: image indexes nested more than ${limits.maxIndexDepth} deep`);
    }
    current = choose(descriptors(document, `index ${shortDigest(current.digest)}`, input), `index ${shortDigest(current.digest)}`, input);
  }
}

/** Reads a metadata blob whole and checks its digest and size. */
async function readBlob(store: OciStore, desc: Descriptor, label: string, context: LayersContext): Promise<Buffer> {
  const { input, limits } = context;
  const range = await locate(store, desc, label, input);
  const bytes = await readRange(range, `${label} ${shortDigest(desc.digest)}`, limits.maxMetadataBytes, input);
  const actual = sha256Digest(bytes);
  if (actual !== desc.digest) {
    throw new StellaError('DIGEST_MISMATCH', `${input}: digest mismatch for ${label} ${desc.digest}: the blob hashes to ${actual}`);
  }
  if (bytes.length !== desc.size) {
    throw new StellaError('IMAGE_INVALID', `${input}: ${label} ${shortDigest(desc.digest)} is ${bytes.length} bytes, its descriptor says ${desc.size}`);
  }
  return bytes;
}

async function locate(store: OciStore, desc: Descriptor, label: string, input: string): Promise<ByteRange> {
  const range = await store.blob(desc.digest);
  if (range === undefined) throw new StellaError('IMAGE_INVALID', `${input}: ${label} blob ${desc.digest} not found`);
  if (label === 'layer' && range.size !== desc.size) {
    throw new StellaError('IMAGE_INVALID', `${input}: layer blob ${shortDigest(desc.digest)} is ${range.size} bytes, its descriptor says ${desc.size}`);
  }
  return range;
}

/** The manifest to read among an index's: not attestations; linux/amd64 first, else the first. */
function choose(list: Descriptor[], label: string, input: string): Descriptor {
  const images = list.filter((d) => d.annotations['vnd.docker.reference.type'] !== 'attestation-manifest' && d.platform?.os !== 'unknown');
  const chosen = images.find((d) => d.platform?.os === 'linux' && d.platform.architecture === 'amd64') ?? images[0];
  if (chosen === undefined) throw new StellaError('IMAGE_INVALID', `${input}: ${label} lists no image manifest`);
  return chosen;
}

function descriptors(document: JsonObject, label: string, input: string): Descriptor[] {
  return descriptorList(document, 'manifests', label, input);
}

function descriptorList(document: JsonObject, key: string, label: string, input: string): Descriptor[] {
  const list = document[key];
  if (!Array.isArray(list)) throw new StellaError('IMAGE_INVALID', `${input}: ${label}: "${key}" is missing or not a list`);
  return list.map((item, i) => descriptor(item, `${label} ${key}[${i}]`, input));
}

function descriptor(value: unknown, label: string, input: string): Descriptor {
  if (!isObject(value)) throw new StellaError('IMAGE_INVALID', `${input}: ${label} is not a descriptor object`);
  const digest = checkDigest(value['digest'], label, input);
  const size = value['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new StellaError('IMAGE_INVALID', `${input}: ${label}: size is not a non-negative integer`);
  }
  const mediaType = typeof value['mediaType'] === 'string' ? value['mediaType'] : undefined;
  const platform = isObject(value['platform']) ? value['platform'] : undefined;
  const annotations = isObject(value['annotations']) ? value['annotations'] : {};
  return { mediaType, digest, size, platform, annotations };
}

/** `io.containerd.image.name`, else `org.opencontainers.image.ref.name` (a bare tag joined to the input's name). */
function imageName(top: Descriptor, baseName: string): string | undefined {
  const full = top.annotations['io.containerd.image.name'];
  if (typeof full === 'string' && full !== '') return full;
  const ref = top.annotations['org.opencontainers.image.ref.name'];
  if (typeof ref !== 'string' || ref === '') return undefined;
  return /[/:@]/.test(ref) ? ref : `${baseName.replace(/\.tar$/, '').replace(/\.oci$/, '')}:${ref}`;
}
