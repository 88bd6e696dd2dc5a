/**
 * What reading a target yields: its kind, identity (name, digest), layers,
 * OS release and packages, plus the warnings for the parts that could not
 * be read. The public result type of `readTarget`.
 *
 * @example
 *   const inventory: TargetInventory = await readTarget('debian-node.oci.tar', { extractors });
 *   inventory.packages.filter((p) => p.layer === inventory.layers[0]?.diffId);
 */
import type { AnyExtractor } from '../../core/extract/extractor.js';
import type { ExtractedPackage, OsRelease } from '../../core/model/package.js';
import type { LayerCache } from './layer-cache.js';
import type { Limits } from './limits.js';

/** The kinds of target `readTarget` reads. */
export type TargetKind = 'docker-archive' | 'oci-layout' | 'oci-archive' | 'registry-image' | 'rootfs-dir' | 'rootfs-tar' | 'project-dir';

/** One layer of an image (or the one layer of a rootfs tar). */
export interface InventoryLayer {
  /** 0-based position, base layer first. */
  index: number;
  /** sha256:… of the uncompressed layer tar. */
  diffId: string;
  /** sha256:… of the stored (compressed) blob, when it differs from the diff id and is known. */
  digest?: string;
  /** Stored bytes. */
  size?: number;
}

/** A package and, for images, the diff id of the layer that introduced it. */
export type InventoryPackage = ExtractedPackage & { layer?: string };

/** Everything `readTarget` found in one target. */
export interface TargetInventory {
  kind: TargetKind;
  /**
   * Image reference (docker RepoTags[0]; OCI `io.containerd.image.name`, else
   * `org.opencontainers.image.ref.name` — a bare tag is joined to the input's
   * base name, `app.oci:latest`), else the file or folder base name.
   */
  name: string;
  /**
   * sha256:… — OCI: the manifest digest; docker save: the config digest
   * (docker's image ID); rootfs tar: the file's digest; directory: the digest
   * of its canonical listing (see dir-walk.ts).
   */
  digest: string;
  layers: InventoryLayer[];
  os?: OsRelease;
  /** Sorted by type, name, version, then place: the same input gives the same list. */
  packages: InventoryPackage[];
  warnings: string[];
}

/** Progress of a read: bytes of layers read (images, tars) or files walked (directories). */
export interface ReadProgress {
  done: number;
  total?: number;
  what: string;
}

/** Options of `readTarget`: the extractors to run, a progress callback, limit overrides. */
export interface ReadTargetOptions {
  extractors: readonly AnyExtractor[];
  onProgress?: (progress: ReadProgress) => void;
  limits?: Partial<Limits>;
  /** Records of images and layers read before (agent/cache): unchanged layers are not read again. */
  cache?: LayerCache;
  /** Aborting it stops the read between two chunks (or two files) and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Canonical package order (byte-wise string comparison, not locale-dependent). */
export function comparePackages(a: InventoryPackage, b: InventoryPackage): number {
  return (
    cmp(a.type, b.type) ||
    cmp(a.name, b.name) ||
    cmp(a.version, b.version) ||
    cmp(a.arch ?? '', b.arch ?? '') ||
    cmp(a.installPath ?? '', b.installPath ?? '') ||
    cmp(a.sourceFile, b.sourceFile) ||
    cmp(a.evidence, b.evidence)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
