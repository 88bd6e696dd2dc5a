/**
 * Reads the layers of an image (or the one layer of a rootfs tar) into the
 * overlay, and produces the surviving packages with their layer attribution
 * and the OS release. Shared by docker archives, OCI layouts and archives,
 * rootfs tars and registry images.
 *
 * Layers are read at the same time (up to `layerConcurrency()`): gunzip runs
 * on libuv's threadpool, so a large layer and the smaller ones above it
 * overlap. The first layer not in the cache is read over the merged layers
 * below it; the others are read ahead of theirs (layer-ahead.ts) and merged
 * in order, base first, so the result and the warnings are exactly those of
 * reading one layer after another. A layer that fails stops the layers above
 * it; the error reported is the lowest failing layer's, as in order (a layer
 * read ahead that fails is read again in order: a lower symlink may move the
 * file it failed on).
 *
 * @example
 *   const result = await readLayers([{ range, diffId, digest, diffIdCheck: 'if-free' }], context);
 *   result.packages[0]?.layer; // 'sha256:…' (diff id of the introducing layer)
 */
import { availableParallelism } from 'node:os';
import type { AnyExtractor } from '../../core/extract/extractor.js';
import type { OsRelease } from '../../core/model/package.js';
import { StellaError } from '../../core/errors.js';
import { comparePackages } from './inventory.js';
import type { InventoryLayer, InventoryPackage, ReadProgress } from './inventory.js';
import { chainIds, layerRecord, replayLayer } from './layer-cache.js';
import type { LayerCache, LayerRecord } from './layer-cache.js';
import { clampProgress, readLayerDelta, shortDigest } from './layer-read.js';
import type { LayerJob, LayerPlan, LayerRead, Progress } from './layer-read.js';
import type { Limits } from './limits.js';
import { Overlay } from './overlay.js';
import { imageOsRelease } from './target-os.js';
import type { Warnings } from './warnings.js';

export type { LayerPlan } from './layer-read.js';
export { shortDigest } from './layer-read.js';

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
  /** ReadTargetOptions.signal: an abort fails every layer read with its reason. */
  signal?: AbortSignal | undefined;
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

/**
 * Layers read at once. Gunzip and file reads share libuv's threadpool (4
 * threads unless UV_THREADPOOL_SIZE says otherwise), and each layer read
 * holds a few MB of buffers: at least two (a large layer and the small ones
 * beside it), at most four.
 */
export function layerConcurrency(): number {
  return Math.min(4, Math.max(2, availableParallelism()));
}

/** Reads `plans` (base layer first) and merges them in order (see the module comment). */
export async function readLayers(plans: readonly LayerPlan[], context: LayersContext): Promise<LayersResult> {
  const overlay = new Overlay();
  const layers: InventoryLayer[] = [];
  const progress: Progress = { done: 0, total: plans.reduce((sum, plan) => sum + plan.range.size, 0), count: plans.length };
  const chains = context.cache !== undefined && plans.every((plan) => plan.diffId !== undefined) ? chainIds(plans.map((plan) => plan.diffId ?? '')) : undefined;
  const keys = plans.map((_, index) => (chains === undefined || context.cache === undefined ? undefined : `${context.cache.fingerprint}:${chains[index] ?? ''}`));
  const cached: (LayerRecord | undefined)[] = [];
  for (const key of keys) cached.push(key === undefined ? undefined : await context.cache?.store.getLayer(key));
  // Cached layers under the first one to read are merged first: that layer is then read over them, exactly.
  let first = 0;
  for (let record = cached[0]; record !== undefined; record = cached[++first]) mergeCached(overlay, layers, record, first, context, progress, plans[first]);
  const reads = new LayerReads(plans, cached, context, progress, overlay, first);
  let storedDigest: string | undefined;
  try {
    for (let index = first; index < plans.length; index++) {
      const record = cached[index];
      if (record !== undefined) {
        mergeCached(overlay, layers, record, index, context, progress, plans[index]);
        continue;
      }
      const read = await reads.inOrder(index, overlay);
      const key = keys[index];
      // Recorded before the commit: the delta's removals are relative to the layers below.
      if (key !== undefined && read.warnings.kept.length <= context.limits.maxWarnings) await context.cache?.store.putLayer(key, layerRecord(read.delta, read.warnings.kept, read.layer));
      overlay.commit(read.delta, index);
      for (const message of read.warnings.kept) context.warnings.add(message);
      context.warnings.drop(read.warnings.more);
      layers.push(read.layer);
      storedDigest = read.storedDigest;
      progress.done = Math.max(progress.done, layers.reduce((sum, l) => sum + (l.size ?? 0), 0));
      context.onProgress?.(clampProgress(progress, read.what));
    }
  } catch (error) {
    await reads.stop();
    throw error;
  }
  const warn = (message: string): void => context.warnings.add(message);
  return { layers, packages: survivingPackages(overlay, layers), os: imageOsRelease(overlay.nodes, warn), storedDigest };
}

/** Replays a cached layer: the same merged state and warnings as reading it, without a byte of it. */
function mergeCached(overlay: Overlay, layers: InventoryLayer[], record: LayerRecord, index: number, context: LayersContext, progress: Progress, plan: LayerPlan | undefined): void {
  layers.push(replayLayer(overlay, record, index));
  for (const message of record.warnings) context.warnings.add(message);
  progress.done += plan?.range.size ?? 0;
}

/** A read's end: its result, or its error and whether it was read ahead (then the read in order decides). */
type Settled = { read: LayerRead } | { error: unknown; ahead: boolean };

/**
 * The layer reads of one target, started in order, `layerConcurrency()` at
 * a time: each read that ends starts the next layer not cached.
 */
class LayerReads {
  private readonly started = new Map<number, Promise<Settled>>();
  private next: number;
  /** Layers above this index stop (a layer at or below it failed). */
  private cancelAbove = Number.POSITIVE_INFINITY;

  constructor(
    private readonly plans: readonly LayerPlan[],
    private readonly cached: readonly (LayerRecord | undefined)[],
    private readonly context: LayersContext,
    private readonly progress: Progress,
    overlay: Overlay,
    first: number,
  ) {
    this.next = first;
    // The first layer to read is read over `overlay`: the layers below it are merged, and stay so until it is.
    this.startNext(overlay);
    for (let i = 1; i < layerConcurrency(); i++) this.startNext(undefined);
  }

  /** Layer `index`, ready to merge over `overlay` (the layers below it): as read, rebased, or read again in order. */
  async inOrder(index: number, overlay: Overlay): Promise<LayerRead> {
    const settled = await (this.started.get(index) ?? this.start(index, overlay));
    this.started.delete(index);
    if ('read' in settled && !settled.read.incomplete) {
      const ahead = settled.read.ahead;
      if (ahead === undefined) return settled.read;
      if (ahead.log.fitsOver(overlay, ahead.symlinks, this.context.limits)) return { ...settled.read, delta: ahead.log.rebase(settled.read.delta, overlay) };
    } else if ('error' in settled && !settled.ahead) {
      throw settled.error;
    }
    // Read ahead but not usable: a lower symlink on its paths, stopped early, or failed where the lower layers
    // may decide (a file too large for an extractor that wants it only at its path as read ahead).
    if (this.cancelAbove === index) {
      this.cancelAbove = Number.POSITIVE_INFINITY;
      this.startNext(undefined);
    }
    const again = await readLayerDelta(this.job(index, overlay));
    if (again.incomplete) throw new StellaError('INTERNAL', `${this.context.input}: layer ${index + 1} was stopped while merged`);
    return again;
  }

  /** Stops every read still running and waits for them (after a failure: no stream or temp file is left behind). */
  async stop(): Promise<void> {
    this.cancelAbove = -1;
    await Promise.all(this.started.values());
  }

  private startNext(lower: Overlay | undefined): void {
    while (this.next < this.plans.length && this.cached[this.next] !== undefined) this.next++;
    if (this.next < this.plans.length && this.next <= this.cancelAbove) void this.start(this.next++, lower);
  }

  private start(index: number, lower: Overlay | undefined): Promise<Settled> {
    const settled = readLayerDelta(this.job(index, lower)).then(
      (read): Settled => ({ read }),
      (error: unknown): Settled => {
        this.cancelAbove = Math.min(this.cancelAbove, index);
        return { error, ahead: lower === undefined };
      },
    );
    this.started.set(index, settled.finally(() => this.startNext(undefined)));
    return this.started.get(index) ?? settled;
  }

  private job(index: number, lower: Overlay | undefined): LayerJob {
    const plan = this.plans[index];
    if (plan === undefined) throw new Error(`no layer ${index}`);
    return { plan, index, context: this.context, progress: this.progress, lower, cancelled: () => index > this.cancelAbove };
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
