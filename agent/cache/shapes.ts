/**
 * Shape checks for what comes back out of the cache. The checksum (seal.ts)
 * catches damage; these catch a value that is intact but not what this
 * version writes, so it is dropped rather than trusted.
 *
 * @example
 *   if (!isLayerRecord(unseal(stored))) await cache.reset();
 */
import type { ReportComponent, ReportTarget } from '../../core/model/report.js';
import type { ImageRecord, LayerRecord } from '../image/index.js';

/** What is kept per target for re-matching: its inventory as the report shows it, and its last findings. */
export interface TargetRecord {
  target: ReportTarget;
  components: ReportComponent[];
  /** The warnings of reading the target (matching adds its own). */
  warnings: string[];
  /** sha256 of the findings last reported for it, or null before any were matched. */
  findings: string | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isStringList = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A layer record as `layerRecord` writes it. */
export function isLayerRecord(value: unknown): value is LayerRecord {
  if (!isObject(value) || !Array.isArray(value['upper']) || typeof value['changed'] !== 'boolean') return false;
  if (!isStringList(value['removeExact']) || !isStringList(value['removeBelow']) || !isStringList(value['warnings'])) return false;
  const layer = value['layer'];
  if (!isObject(layer) || typeof layer['diffId'] !== 'string') return false;
  return value['upper'].every((entry) => Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && isNode(entry[1]));
}

function isNode(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (value['kind'] === 'symlink') return typeof value['target'] === 'string';
  return value['kind'] === 'file' && Array.isArray(value['packages']) && (value['osRelease'] === undefined || typeof value['osRelease'] === 'string');
}

/** An image record as `readThroughImageCache` writes it. */
export function isImageRecord(value: unknown): value is ImageRecord {
  return isObject(value) && Array.isArray(value['layers']) && Array.isArray(value['packages']) && isStringList(value['warnings']) && (value['os'] === undefined || isObject(value['os']));
}

/** A target record as `scanTarget` writes it. */
export function isTargetRecord(value: unknown): value is TargetRecord {
  return (
    isObject(value) &&
    isObject(value['target']) &&
    typeof value['target']['name'] === 'string' &&
    Array.isArray(value['components']) &&
    isStringList(value['warnings']) &&
    (value['findings'] === null || typeof value['findings'] === 'string')
  );
}
