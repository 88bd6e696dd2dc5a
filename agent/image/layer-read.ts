/**
 * Reads one layer of an image into a `LayerDelta`, with the warnings it
 * gives: over the merged layers below it (in order), or ahead of them
 * (layer-ahead.ts), so the layers of an image can be read at the same time.
 * Warnings are kept with the layer, not given to the target's list, so the
 * list is the same whichever layer finishes first.
 *
 * @example
 *   const read = await readLayerDelta({ plan, index: 1, count: 3, lower: undefined, context, progress, cancelled: () => false });
 *   if (!read.incomplete && read.ahead?.log.fitsOver(overlay, read.ahead.symlinks, limits)) …
 */
import { BlobSpool } from './blob-spool.js';
import { HardlinkTargets } from './hardlink-targets.js';
import type { InventoryLayer, ReadProgress } from './inventory.js';
import { AheadLog } from './layer-ahead.js';
import { LayerScan } from './layer-scan.js';
import type { LayerSource } from './layer-source.js';
import { isByteRange } from './layer-source.js';
import { readLayer } from './layer-stream.js';
import type { LayersContext } from './read-layers.js';
import { Overlay } from './overlay.js';
import type { LayerDelta } from './overlay.js';

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

/** Bytes read so far across the layers of a target, for progress. */
export interface Progress {
  done: number;
  total: number;
  count: number;
}

/** One layer to read, and where. */
export interface LayerJob {
  plan: LayerPlan;
  /** 0-based position of the layer in the image. */
  index: number;
  context: LayersContext;
  progress: Progress;
  /** The merged layers below, or undefined to read ahead of them. */
  lower: Overlay | undefined;
  /** Polled as the layer is read: true stops the read (the result is then `incomplete`). */
  cancelled: () => boolean;
}

/** A layer's warnings: the first `maxWarnings + 1`, and a count of the rest. */
export interface LayerWarnings {
  kept: string[];
  more: number;
}

/** What reading one layer gave. */
export interface LayerRead {
  delta: LayerDelta;
  layer: InventoryLayer;
  warnings: LayerWarnings;
  storedDigest: string | undefined;
  /** The progress label of the layer. */
  what: string;
  /** Read ahead: the log to check and rebase the delta with, and the layer's symlink use. */
  ahead: { log: AheadLog; symlinks: { tracked: number; limitReached: boolean } } | undefined;
  /** Stopped early (cancelled, or the ahead log overflowed): not a result to use. */
  incomplete: boolean;
}

/** Progress is reported at most once per this many bytes (and at each layer's start and end). */
const PROGRESS_STEP = 4 << 20;

/** Reads one layer (see the module comment). Digests and limits are checked as in any read. */
export async function readLayerDelta(job: LayerJob): Promise<LayerRead> {
  const { plan, index, context, progress } = job;
  const { input, extractors, limits, onProgress } = context;
  const id = plan.digest ?? plan.diffId;
  const where = context.lone ? input : `${input}: layer ${id === undefined ? index + 1 : shortDigest(id)}`;
  const what = context.lone ? input : `layer ${index + 1}/${progress.count} ${id === undefined ? '' : shortDigest(id)}`.trimEnd();
  let reported = progress.done;
  onProgress?.({ done: Math.min(progress.done, progress.total), total: progress.total, what });
  const onBytes = onProgress === undefined ? undefined : (bytes: number): void => {
    progress.done += bytes;
    if (progress.done - reported >= PROGRESS_STEP) {
      reported = progress.done;
      onProgress(clampProgress(progress, what));
    }
  };
  const warnings: LayerWarnings = { kept: [], more: 0 };
  const warn = (message: string): void => {
    if (warnings.kept.length <= limits.maxWarnings) warnings.kept.push(message);
    else warnings.more++;
  };
  const log = job.lower === undefined ? new AheadLog() : undefined;
  const lower = job.lower ?? new Overlay();
  const delta = lower.layer(log);
  const scan = new LayerScan(delta, lower, { extractors, limits, where, label: context.lone ? '' : `layer ${index + 1}: `, warn });
  const stop = (): boolean => job.cancelled() || log?.overflowed === true;
  // A streamed blob is copied aside while read, so a second pass does not download it again.
  const spool = isByteRange(plan.range) ? undefined : new BlobSpool(plan.range);
  const aborts = context.signal === undefined ? {} : { signal: context.signal };
  try {
    const result = await readLayer(spool?.source ?? plan.range, scan, {
      where,
      limits,
      stop,
      ...aborts,
      ...(plan.digest === undefined ? {} : { digest: plan.digest }),
      ...(plan.diffId === undefined ? { hashTar: true } : { diffId: plan.diffId, diffIdCheck: plan.diffIdCheck }),
      ...(plan.hashStored === true ? { hashStored: true } : {}),
      ...(onBytes === undefined ? {} : { onBytes }),
    });
    if (scan.hardlinks.size > 0 && !stop()) {
      const targets = new HardlinkTargets(scan.hardlinks, limits, where);
      await readLayer((await spool?.again()) ?? plan.range, targets, { where, limits, stop: () => targets.done || stop(), ...aborts });
      targets.resolve(scan);
    }
    await scan.settle();
    const diffId = plan.diffId ?? result.tarDigest ?? '';
    const layer: InventoryLayer = { index, diffId, size: plan.range.size };
    const blobDigest = plan.digest ?? (result.compressed ? result.storedDigest : undefined);
    if (blobDigest !== undefined && blobDigest !== diffId) layer.digest = blobDigest;
    const ahead = log === undefined ? undefined : { log, symlinks: scan.symlinkUse };
    return { delta, layer, warnings, storedDigest: result.storedDigest, what, ahead, incomplete: stop() };
  } finally {
    await spool?.dispose();
  }
}

/** Progress as reported: a layer read twice (ahead, then in order) never pushes it past the total. */
export function clampProgress(progress: Progress, what: string): ReadProgress {
  return { done: Math.min(progress.done, progress.total), total: progress.total, what };
}

/** `sha256:ab12cd34ef56…` — enough to recognise a digest in a one-line message. */
export function shortDigest(digest: string): string {
  return digest.length > 19 ? `${digest.slice(0, 19)}…` : digest;
}
