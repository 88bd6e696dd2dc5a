/**
 * The contract between reading images and a cache of what was read (the
 * LevelDB cache in agent/cache implements it). Two kinds of record:
 *
 * - per layer: the changes one layer made to the merged state (tracked
 *   files with their packages, symlinks, the paths its whiteouts and
 *   replacements removed) and the warnings it gave. Keyed by the layer's
 *   chain id (its diff id and every diff id below it, as OCI defines it),
 *   because what a layer removes and how its paths resolve through symlinks
 *   depend on the layers under it; a shared base is a shared chain prefix.
 * - per image (manifest digest, or docker's image id): the whole result, so
 *   an unchanged image is answered without reading its config or any layer.
 *
 * Both are keyed with a fingerprint of the extractors and limits used, so a
 * different set of extractors never sees another's records.
 *
 * @example
 *   const record = layerRecord(delta, warnings, plan.range.size);
 *   replayLayer(overlay, record); // the same merged state as reading the layer
 */
import { createHash } from 'node:crypto';
import type { AnyExtractor } from '../../core/extract/extractor.js';
import type { ExtractedPackage, OsRelease } from '../../core/model/package.js';
import type { InventoryLayer, InventoryPackage } from './inventory.js';
import type { Limits } from './limits.js';
import type { LayerDelta, Overlay, TrackedNode } from './overlay.js';

/** A tracked node as stored: os-release bytes in base64. */
export type StoredNode = { kind: 'file'; packages: ExtractedPackage[]; osRelease?: string } | { kind: 'symlink'; target: string };

/** What one layer did to the merged state, and the warnings reading it gave. */
export interface LayerRecord {
  upper: [string, StoredNode][];
  removeExact: string[];
  removeBelow: string[];
  changed: boolean;
  warnings: string[];
  /** The layer as the inventory lists it (without the index, which the chain fixes). */
  layer: Omit<InventoryLayer, 'index'>;
}

/** An image's whole result, and the warnings reading it gave. */
export interface ImageRecord {
  layers: InventoryLayer[];
  packages: InventoryPackage[];
  os?: OsRelease;
  warnings: string[];
}

/** Where records are kept. Every method may fail; a failing cache is the caller's to report. */
export interface LayerCache {
  getLayer(key: string): Promise<LayerRecord | undefined>;
  putLayer(key: string, record: LayerRecord): Promise<void>;
  getImage(key: string): Promise<ImageRecord | undefined>;
  putImage(key: string, record: ImageRecord): Promise<void>;
}

/**
 * A fingerprint of what shapes a read's result besides the bytes: the
 * extractors (by name) and the limits.
 * @example readFingerprint(builtinExtractors, limits) // 'f3a9…' (16 hex)
 */
export function readFingerprint(extractors: readonly AnyExtractor[], limits: Limits): string {
  const names = extractors.map((e) => `${e.name}@${e.maxFileSize}`).join(',');
  return createHash('sha256').update(`${names}\n${JSON.stringify(limits)}`).digest('hex').slice(0, 16);
}

/**
 * OCI chain ids of a list of diff ids: the first is its diff id, each next
 * one `sha256(previous + ' ' + diffId)`.
 * @example chainIds(['sha256:a…', 'sha256:b…'])[1] // 'sha256:…'
 */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const previous = out[out.length - 1];
    out.push(previous === undefined ? diffId : `sha256:${createHash('sha256').update(`${previous} ${diffId}`).digest('hex')}`);
  }
  return out;
}

/** The record of a layer just read. */
export function layerRecord(delta: LayerDelta, warnings: readonly string[], layer: InventoryLayer): LayerRecord {
  const upper: [string, StoredNode][] = [];
  for (const [path, node] of delta.upper) upper.push([path, storeNode(node)]);
  const { index: _index, ...rest } = layer;
  return { upper, removeExact: [...delta.removeExact], removeBelow: [...delta.removeBelow], changed: delta.changed, warnings: [...warnings], layer: rest };
}

/** Applies a cached layer to the overlay as if it had been read at position `index`. */
export function replayLayer(overlay: Overlay, record: LayerRecord, index: number): InventoryLayer {
  const delta = overlay.layer();
  for (const [path, node] of record.upper) delta.upper.set(path, loadNode(node));
  for (const path of record.removeExact) delta.removeExact.add(path);
  for (const path of record.removeBelow) delta.removeBelow.add(path);
  delta.changed = record.changed;
  overlay.commit(delta, index);
  return { index, ...record.layer };
}

function storeNode(node: TrackedNode): StoredNode {
  if (node.kind === 'symlink') return { kind: 'symlink', target: node.target };
  return node.osRelease === undefined ? { kind: 'file', packages: node.packages } : { kind: 'file', packages: node.packages, osRelease: node.osRelease.toString('base64') };
}

function loadNode(node: StoredNode): TrackedNode {
  if (node.kind === 'symlink') return { kind: 'symlink', target: node.target };
  return { kind: 'file', packages: node.packages, osRelease: node.osRelease === undefined ? undefined : Buffer.from(node.osRelease, 'base64') };
}
