/**
 * Reading an image whose blobs are not in a local file — a registry image:
 * the caller (agent/registry) resolves the manifest and hands over its
 * digest and a way to get the config's diff ids and each layer's stream;
 * this reads them through the same layer reader, overlay and cache as a
 * local image, so the inventory is the same as the OCI archive's.
 *
 * @example
 *   const inventory = await readRemoteImage({ input: 'registry://127.0.0.1:5000/app:1', name, digest, plan }, { extractors });
 */
import { StellaError } from '../../core/errors.js';
import { readThroughImageCache } from './image-cache.js';
import type { TargetInventory, ReadTargetOptions } from './inventory.js';
import { readFingerprint } from './layer-cache.js';
import type { StreamedBlob } from './layer-source.js';
import { resolveLimits } from './limits.js';
import { readLayers, shortDigest } from './read-layers.js';
import type { LayerPlan, LayersContext } from './read-layers.js';
import { checkExtractors } from './read-target.js';
import { Warnings } from './warnings.js';

/** One layer of a remote image: its descriptor and the stream of its blob. */
export interface RemoteLayer {
  digest: string;
  size: number;
  mediaType: string | undefined;
  source: StreamedBlob;
}

/** What a remote image's config and manifest say about its layers. */
export interface RemoteLayers {
  diffIds: string[];
  layers: RemoteLayer[];
}

/** A remote image, resolved to one manifest. */
export interface RemoteImage {
  /** The reference as given, first in every message. */
  input: string;
  name: string;
  /** The manifest digest: the image's identity (the same as its OCI archive's). */
  digest: string;
  /** Fetches (and checks) the config; called only when the image is not cached. */
  plan(): Promise<RemoteLayers>;
}

/** Reads `image` into an inventory (kind `registry-image`); see the module comment. */
export async function readRemoteImage(image: RemoteImage, options: ReadTargetOptions): Promise<TargetInventory> {
  const extractors = checkExtractors(options.extractors);
  const limits = resolveLimits(options.limits);
  const warnings = new Warnings(limits.maxWarnings);
  const cache = options.cache === undefined ? undefined : { store: options.cache, fingerprint: readFingerprint(extractors, limits) };
  const context: LayersContext = { input: image.input, extractors, limits, warnings, onProgress: options.onProgress, lone: false, cache, signal: options.signal };
  const parts = await readThroughImageCache(context, image.digest, async () => {
    const planned = await image.plan();
    const { layers, packages, os } = await readLayers(layerPlans(planned, context), context);
    return { layers, packages, os };
  });
  const { layers, packages, os } = parts;
  return { kind: 'registry-image', name: image.name, digest: image.digest, layers, ...(os === undefined ? {} : { os }), packages, warnings: warnings.list() };
}

function layerPlans(planned: RemoteLayers, context: LayersContext): LayerPlan[] {
  const { input, limits } = context;
  if (planned.layers.length > limits.maxLayers) {
    throw new StellaError('LIMIT_EXCEEDED', `${input}: the manifest has ${planned.layers.length} layers, more than the limit of ${limits.maxLayers}`);
  }
  if (planned.diffIds.length !== planned.layers.length) {
    throw new StellaError('IMAGE_INVALID', `${input}: the manifest has ${planned.layers.length} layers but the config has ${planned.diffIds.length} diff ids`);
  }
  return planned.layers.map((layer, i) => {
    if (layer.mediaType?.includes('zstd') === true) {
      throw new StellaError('UNSUPPORTED_TARGET', `${input}: layer ${shortDigest(layer.digest)} is zstd-compressed (${layer.mediaType}); recompress the image with gzip`);
    }
    return { range: layer.source, digest: layer.digest, diffId: planned.diffIds[i], diffIdCheck: 'if-free' };
  });
}
