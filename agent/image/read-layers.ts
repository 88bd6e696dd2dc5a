/**
 * Reads the layers of an image (or the one layer of a rootfs tar) in order,
 * base first, into the overlay, and produces the surviving packages with
 * their layer attribution and the OS release. Shared by docker archives,
 * OCI layouts and archives, and rootfs tars.
 *
 * @example
 *   const result = await readLayers([{ range, diffId, digest, diffIdCheck: 'if-free' }], context);
 *   result.packages[0]?.layer; // 'sha256:…' (diff id of the introducing layer)
 */
import type { AnyExtractor } from '../../core/extract/extractor.js';
import type { OsRelease } from '../../core/model/package.js';
import type { LayerSource } from './layer-source.js';
import { HardlinkTargets } from './hardlink-targets.js';
import { comparePackages } from './inventory.js';
import type { InventoryLayer, InventoryPackage, ReadProgress } from './inventory.js';
import { chainIds, layerRecord, replayLayer } from './layer-cache.js';
import type { LayerCache } from './layer-cache.js';
import { LayerScan } from './layer-scan.js';
import { readLayer } from './layer-stream.js';
import type { Limits } from './limits.js';
import { Overlay } from './overlay.js';
import type { LayerDelta } from './overlay.js';
import { BlobSpool } from './blob-spool.js';
import { isByteRange } from './layer-source.js';
import { imageOsRelease } from './target-os.js';
import type { Warnings } from './warnings.js';

/** One layer to read. */
export interface LayerPlan {
  range: LayerSource;
  /** Expected diff id (image config), if known. */
  diffId: string | undefined;
  /** Expected digest of the stored blob (OCI descriptor), if known. */
  digest: string | undefined;
  /** See LayerReadOptions.diffIdCheck. */
  diffIdCheck: 'always' | 'if-free';
  /** Also compute the digest of the stored bytes (a lone tar: its file digest). */
  hashStored?: boolean;
}

/** What reading layers needs from the target reader. */
export interface LayersContext {
  /** The input's name, first in every message. */
  input: string;
  extractors: readonly AnyExtractor[];
  limits: Limits;
  warnings: Warnings;
  onProgress: ((progress: ReadProgress) => void) | undefined;
  /** A lone layer (rootfs tar): no `layer N:` prefix on warnings. */
  lone: boolean;
  /** Records of layers and images read before, and the fingerprint their keys carry (layer-cache.ts). */
  cache?: { store: LayerCache; fingerprint: string } | undefined;
}

/** The layers read, the surviving packages with their attribution, and the OS release. */
export interface LayersResult {
  layers: InventoryLayer[];
  packages: InventoryPackage[];
  os: OsRelease | undefined;
  /** Digest of the stored bytes of the last layer read, when computed (a lone tar's file digest). */
  storedDigest: string | undefined;
}

/** What reading an image yields (docker archive, OCI layout or archive). */
export interface ImageResult {
  name: string | undefined;
  digest: string;
  layers: InventoryLayer[];
  packages: InventoryPackage[];
  os: OsRelease | undefined;
}

/** Progress is reported at most once per this many bytes (and at each layer's start and end). */
const PROGRESS_STEP = 4 << 20;

/** Reads `plans` in order (base layer first) and merges them (see the module comment). */
export async function readLayers(plans: readonly LayerPlan[], context: LayersContext): Promise<LayersResult> {
  const warn = (message: string): void => context.warnings.add(message);
  const overlay = new Overlay();
  const layers: InventoryLayer[] = [];
  const progress: Progress = { done: 0, total: plans.reduce((sum, plan) => sum + plan.range.size, 0), count: plans.length };
  let storedDigest: string | undefined;
  const chains = context.cache !== undefined && plans.every((plan) => plan.diffId !== undefined) ? chainIds(plans.map((plan) => plan.diffId ?? '')) : undefined;
  for (const [index, plan] of plans.entries()) {
    const cacheKey = chains === undefined || context.cache === undefined ? undefined : `${context.cache.fingerprint}:${chains[index] ?? ''}`;
    const cached = cacheKey === undefined ? undefined : await context.cache?.store.getLayer(cacheKey);
    if (cached !== undefined) {
      // The same merged state and warnings as reading the layer, without a byte of it.
      layers.push(replayLayer(overlay, cached, index));
      for (const message of cached.warnings) warn(message);
      progress.done += plan.range.size;
      continue;
    }
    const read = await readOneLayer(plan, index, overlay, context, progress);
    // Recorded before the commit: the delta's removals are relative to the layers below.
    if (cacheKey !== undefined && read.warnings.length <= context.limits.maxWarnings) await context.cache?.store.putLayer(cacheKey, layerRecord(read.delta, read.warnings, read.layer));
    overlay.commit(read.delta, index);
    layers.push(read.layer);
    storedDigest = read.storedDigest;
    progress.done = layers.reduce((sum, l) => sum + (l.size ?? 0), 0);
    context.onProgress?.({ done: progress.done, total: progress.total, what: read.what });
  }
  return { layers, packages: survivingPackages(overlay, layers), os: imageOsRelease(overlay.nodes, warn), storedDigest };
}

interface Progress {
  done: number;
  total: number;
  count: number;
}

interface LayerRead {
  delta: LayerDelta;
  layer: InventoryLayer;
  warnings: string[];
  storedDigest: string | undefined;
  what: string;
}

/** Reads one layer into a delta over `overlay` (not yet committed), with its warnings. */
async function readOneLayer(plan: LayerPlan, index: number, overlay: Overlay, context: LayersContext, progress: Progress): Promise<LayerRead> {
  const { input, extractors, limits, onProgress } = context;
  const id = plan.digest ?? plan.diffId;
  const where = context.lone ? input : `${input}: layer ${id === undefined ? index + 1 : shortDigest(id)}`;
  const what = context.lone ? input : `layer ${index + 1}/${progress.count} ${id === undefined ? '' : shortDigest(id)}`.trimEnd();
  let reported = progress.done;
  onProgress?.({ done: progress.done, total: progress.total, what });
  const onBytes = onProgress === undefined ? undefined : (bytes: number): void => {
    progress.done += bytes;
    if (progress.done - reported >= PROGRESS_STEP) {
      reported = progress.done;
      onProgress({ done: progress.done, total: progress.total, what });
    }
  };
  const warnings: string[] = [];
  const warn = (message: string): void => {
    if (warnings.length <= limits.maxWarnings) warnings.push(message);
    context.warnings.add(message);
  };
  const delta = overlay.layer();
  const scan = new LayerScan(delta, overlay, { extractors, limits, where, label: context.lone ? '' : `layer ${index + 1}: `, warn });
  // A streamed blob is copied aside while read, so a second pass does not download it again.
  const spool = isByteRange(plan.range) ? undefined : new BlobSpool(plan.range);
  try {
    const result = await readLayer(spool?.source ?? plan.range, scan, {
      where,
      limits,
      ...(plan.digest === undefined ? {} : { digest: plan.digest }),
      ...(plan.diffId === undefined ? { hashTar: true } : { diffId: plan.diffId, diffIdCheck: plan.diffIdCheck }),
      ...(plan.hashStored === true ? { hashStored: true } : {}),
      ...(onBytes === undefined ? {} : { onBytes }),
    });
    if (scan.hardlinks.size > 0) {
      const targets = new HardlinkTargets(scan.hardlinks, limits, where);
      await readLayer((await spool?.again()) ?? plan.range, targets, { where, limits, stop: () => targets.done });
      targets.resolve(scan);
    }
    await scan.settle();
    const diffId = plan.diffId ?? result.tarDigest ?? '';
    const layer: InventoryLayer = { index, diffId, size: plan.range.size };
    const blobDigest = plan.digest ?? (result.compressed ? result.storedDigest : undefined);
    if (blobDigest !== undefined && blobDigest !== diffId) layer.digest = blobDigest;
    return { delta, layer, warnings, storedDigest: result.storedDigest, what };
  } finally {
    await spool?.dispose();
  }
}

function survivingPackages(overlay: Overlay, layers: readonly InventoryLayer[]): InventoryPackage[] {
  const packages: InventoryPackage[] = [];
  for (const node of overlay.nodes.values()) {
    if (node.kind !== 'file') continue;
    for (const pkg of node.packages) {
      const since = overlay.sinceOf(pkg);
      const layer = since === undefined ? undefined : layers[since]?.diffId;
      packages.push(layer === undefined ? { ...pkg } : { ...pkg, layer });
    }
  }
  return packages.sort(comparePackages);
}

/** `sha256:ab12cd34ef56…` — enough to recognise a digest in a one-line message. */
export function shortDigest(digest: string): string {
  return digest.length > 19 ? `${digest.slice(0, 19)}…` : digest;
}
