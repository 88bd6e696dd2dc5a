/**
 * The public surface of agent/image: reading a container image, root
 * filesystem or project folder into a package inventory. Everything else in
 * this folder is internal.
 *
 * @example
 *   import { readTarget } from '../image/index.js';
 *   const inventory = await readTarget('app.oci.tar', { extractors: builtinExtractors });
 */
export { readTarget } from './read-target.js';
export { readRemoteImage } from './remote-image.js';
export type { RemoteImage, RemoteLayer, RemoteLayers } from './remote-image.js';
export type { StreamedBlob } from './layer-source.js';
export type { ImageRecord, LayerCache, LayerRecord } from './layer-cache.js';
export type { InventoryLayer, InventoryPackage, ReadProgress, ReadTargetOptions, TargetInventory, TargetKind } from './inventory.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { Limits, OversizedFilePolicy } from './limits.js';
