/**
 * Resource limits for reading a target. Every number an attacker controls in
 * an image (entry counts, declared sizes, header sizes, nesting) is checked
 * against one of these before it can cost memory or time.
 *
 * @example
 *   const limits = resolveLimits({ maxLayers: 64 });
 *   limits.maxEntriesPerLayer; // 1_000_000
 */
import { StellaError } from '../../core/errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** What to do with a required file larger than its extractor's `maxFileSize`. */
export type OversizedFilePolicy = 'error' | 'warn';

/** Every bound `readTarget` applies; override any of them with `options.limits`. */
export interface Limits {
  /** Layers per image. overlayfs stacks ~128; registries cap far lower than 10,000. */
  maxLayers: number;
  /** Tar entries per layer (and files per directory walk); past it: one warning, the rest of the layer is ignored. */
  maxEntriesPerLayer: number;
  /** Uncompressed bytes of one layer tar. */
  maxLayerBytes: number;
  /**
   * A gzip layer may expand to at most `maxCompressionRatio` × its compressed
   * size, or `compressionRatioFloor` bytes, whichever is larger. Real layers
   * expand 2–10×; a deflate bomb expands ~1000×, and is stopped after the
   * larger of the two bounds — a fraction of a second of inflating.
   */
  maxCompressionRatio: number;
  compressionRatioFloor: number;
  /** One pax extended header or GNU long name/link (same bound as tar-stream). */
  maxHeaderBytes: number;
  /** Longest entry path (PATH_MAX); longer entries are skipped with a warning. */
  maxPathBytes: number;
  /** manifest.json, index.json, OCI manifests, indexes and configs (read whole). */
  maxMetadataBytes: number;
  /** Nested OCI indexes. */
  maxIndexDepth: number;
  /** Members of an outer image archive (docker save / OCI archive). */
  maxArchiveMembers: number;
  /** Symlinks remembered across an image (to resolve os-release); past it: one warning. */
  maxTrackedSymlinks: number;
  /** Warnings kept per target; the rest are counted in a last warning. */
  maxWarnings: number;
  /** os-release files larger than this are ignored (real ones are < 1 KiB). */
  maxOsReleaseBytes: number;
  /**
   * A required file over its extractor's `maxFileSize`: `'error'` fails the
   * target with LIMIT_EXCEEDED (a package database that large is hostile or
   * broken, and skipping it would report an image as free of OS packages);
   * `'warn'` skips the file with a warning and goes on.
   */
  oversizedFile: OversizedFilePolicy;
}

/** The defaults: a real multi-GiB image passes, every hostile-corpus case stops within a second. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxLayers: 512,
  maxEntriesPerLayer: 1_000_000,
  maxLayerBytes: 8 * GiB,
  maxCompressionRatio: 100,
  compressionRatioFloor: 256 * MiB,
  maxHeaderBytes: 4 * MiB,
  maxPathBytes: 4096,
  maxMetadataBytes: 8 * MiB,
  maxIndexDepth: 8,
  maxArchiveMembers: 100_000,
  maxTrackedSymlinks: 200_000,
  maxWarnings: 1000,
  maxOsReleaseBytes: 64 * KiB,
  oversizedFile: 'error',
});

/**
 * Fills in defaults and checks the overrides (validated once, at the boundary).
 *
 * @example
 *   resolveLimits({ oversizedFile: 'warn' }).oversizedFile; // 'warn'
 */
export function resolveLimits(overrides: Partial<Limits> | undefined): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (key === 'oversizedFile') {
      if (value !== 'error' && value !== 'warn') {
        throw new StellaError('USAGE', `limits.oversizedFile must be 'error' or 'warn', not ${String(value)}`);
      }
    } else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new StellaError('USAGE', `limits.${key} must be a positive integer, not ${String(value)}`);
    }
  }
  return limits;
}

/**
 * The most uncompressed bytes a layer may yield: for gzip, bounded by the
 * compression ratio; for a plain tar, by its own size (the tar cannot grow).
 */
export function layerByteBudget(limits: Limits, storedSize: number, compressed: boolean): number {
  if (!compressed) return Math.min(limits.maxLayerBytes, storedSize);
  return Math.min(limits.maxLayerBytes, Math.max(limits.compressionRatioFloor, storedSize * limits.maxCompressionRatio));
}
