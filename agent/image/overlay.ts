/**
 * The merged filesystem of an image, as far as a scan needs it: the
 * surviving required files (with the packages found in them), the small
 * os-release files and the symlinks — never the whole tree. Layers are
 * applied in order with OCI/overlayfs semantics:
 *
 * - `.wh.<name>` removes `<name>` and everything under it from lower layers;
 * - `.wh..wh..opq` removes everything under its directory from lower layers;
 * - any non-directory entry removes the lower path and everything under it;
 *   a directory entry removes a lower non-directory at its path;
 * - within one layer the later entry for a path wins.
 *
 * Whiteouts affect lower layers only, whatever their order in the tar, so a
 * layer's changes are collected in a `LayerDelta` and applied at its end.
 *
 * Attribution: a package's layer is the earliest one from which the same
 * package (type, name, version, install path or source file) has been
 * present in every snapshot since, so a dpkg package from the base layer
 * keeps the base layer when a later layer rewrites var/lib/dpkg/status.
 *
 * @example
 *   const overlay = new Overlay();
 *   const delta = overlay.layer();
 *   delta.putFile('var/lib/dpkg/status', { kind: 'file', packages, osRelease: undefined });
 *   overlay.commit(delta, 0);
 */
import type { ExtractedPackage } from '../../core/model/package.js';
import { parentPath } from './entry-path.js';
import type { AheadLog } from './layer-ahead.js';

/** What is remembered of a path: a required or os-release file (with its packages), or a symlink. */
export type TrackedNode =
  | { kind: 'file'; packages: ExtractedPackage[]; osRelease: Buffer | undefined }
  | { kind: 'symlink'; target: string };

/** Identity of a package for attribution: the same package in the same place. */
export function packageKey(pkg: ExtractedPackage): string {
  return `${pkg.type}\u0000${pkg.name}\u0000${pkg.version}\u0000${pkg.installPath ?? pkg.sourceFile}`;
}

/** The merged state of the layers read so far. */
export class Overlay {
  /** Surviving tracked nodes by normalised path. */
  readonly nodes = new Map<string, TrackedNode>();
  /** Every directory that holds a tracked node, at any depth: cheap "is anything tracked under here?". */
  private ancestors = new Set<string>();
  /** Package key → index of the layer since which it has been present. */
  private since = new Map<string, number>();
  private symlinks = 0;

  /** Symlinks currently tracked (for the tracking limit). */
  get symlinkCount(): number {
    return this.symlinks;
  }

  /**
   * Starts collecting the changes of the next layer. With `ahead`, the layer
   * is read before the layers under it are known: what would depend on them
   * is noted in the log instead (layer-ahead.ts).
   */
  layer(ahead?: AheadLog): LayerDelta {
    return new LayerDelta(this, ahead);
  }

  /** True when something tracked lives strictly under `dir`. */
  hasUnder(dir: string): boolean {
    return this.ancestors.has(dir);
  }

  /**
   * Applies a layer's changes; `index` is the layer's 0-based position. The
   * indexes are updated incrementally: a full rebuild only when something
   * was removed (directories may have emptied) or packages changed.
   */
  commit(delta: LayerDelta, index: number): void {
    if (!delta.changed) return;
    let removed = false;
    let packagesChanged = false;
    const drop = (node: TrackedNode | undefined): void => {
      if (node === undefined) return;
      removed = true;
      if (node.kind === 'symlink') this.symlinks--;
      else if (node.packages.length > 0) packagesChanged = true;
    };
    if (delta.removeExact.size > 0 || delta.removeBelow.size > 0) {
      for (const [path, node] of [...this.nodes]) {
        if (delta.removeExact.has(path) || hasAncestorIn(path, delta.removeBelow)) {
          this.nodes.delete(path);
          drop(node);
        }
      }
    }
    for (const [path, node] of delta.upper) {
      drop(this.nodes.get(path));
      this.nodes.set(path, node);
      if (node.kind === 'symlink') this.symlinks++;
      else if (node.packages.length > 0) packagesChanged = true;
      if (!removed) this.addAncestors(path, this.ancestors);
    }
    if (removed) {
      const ancestors = new Set<string>();
      for (const path of this.nodes.keys()) this.addAncestors(path, ancestors);
      this.ancestors = ancestors;
    }
    if (packagesChanged) this.attribute(index);
  }

  /** The layer index each surviving package is attributed to. */
  sinceOf(pkg: ExtractedPackage): number | undefined {
    return this.since.get(packageKey(pkg));
  }

  private addAncestors(path: string, ancestors: Set<string>): void {
    // Stops at the first known directory: its own ancestors are known too.
    for (let dir = parentPath(path); dir !== '' && !ancestors.has(dir); dir = parentPath(dir)) ancestors.add(dir);
  }

  /** Packages present before this layer keep their layer; the others get this one. */
  private attribute(index: number): void {
    const since = new Map<string, number>();
    for (const node of this.nodes.values()) {
      if (node.kind === 'symlink') continue;
      for (const pkg of node.packages) {
        const key = packageKey(pkg);
        if (!since.has(key)) since.set(key, this.since.get(key) ?? index);
      }
    }
    this.since = since;
  }
}

/** The changes one layer makes, collected while its tar is read. */
export class LayerDelta {
  /** Nodes this layer adds (later entries replace earlier ones). */
  readonly upper = new Map<string, TrackedNode>();
  /** Lower paths this layer removes (whiteouts, replaced files). */
  readonly removeExact = new Set<string>();
  /** Lower directories whose whole contents this layer removes. */
  readonly removeBelow = new Set<string>();
  changed = false;

  constructor(
    private readonly lower: Overlay,
    private readonly ahead: AheadLog | undefined = undefined,
  ) {}

  /** A `.wh.<name>` for `path`: removes the lower path and everything under it. */
  whiteout(path: string): void {
    this.removeTree(path);
  }

  /** A `.wh..wh..opq` in `dir`: hides every lower entry under it. */
  opaque(dir: string): void {
    if (this.ahead !== undefined) this.ahead.below(dir);
    else if (dir === '' ? this.lower.nodes.size > 0 : this.lower.hasUnder(dir)) {
      this.removeBelow.add(dir);
      this.changed = true;
    }
  }

  /** A directory entry at `path`. */
  directory(path: string): void {
    this.upper.delete(path);
    if (this.ahead !== undefined) this.ahead.exact(path);
    else if (this.lower.nodes.has(path)) {
      this.removeExact.add(path);
      this.changed = true;
    }
  }

  /** Any non-directory entry at `path` (tracked or not): it hides what lower layers had there. */
  replace(path: string): void {
    if (this.upper.delete(path)) this.changed = true;
    this.removeTree(path);
  }

  /** A tracked node at `path` (call after `replace`). */
  put(path: string, node: TrackedNode): void {
    this.upper.set(path, node);
    this.changed = true;
  }

  /** The symlink target at `path` as this layer sees it so far (its own entries over the lower layers). */
  symlinkAt(path: string): string | undefined {
    const own = this.upper.get(path);
    if (own !== undefined) return own.kind === 'symlink' ? own.target : undefined;
    if (this.ahead !== undefined) {
      this.ahead.lookup(path);
      return undefined;
    }
    const lower = this.lower.nodes.get(path);
    if (lower === undefined || lower.kind !== 'symlink') return undefined;
    if (this.removeExact.has(path) || hasAncestorIn(path, this.removeBelow)) return undefined;
    return lower.target;
  }

  private removeTree(path: string): void {
    if (this.ahead !== undefined) {
      this.ahead.exact(path);
      this.ahead.below(path);
      return;
    }
    if (this.lower.nodes.has(path)) {
      this.removeExact.add(path);
      this.changed = true;
    }
    if (this.lower.hasUnder(path)) {
      this.removeBelow.add(path);
      this.changed = true;
    }
  }
}

/** True when some proper ancestor directory of `path` is in `dirs` (`''` is the root). */
function hasAncestorIn(path: string, dirs: ReadonlySet<string>): boolean {
  if (dirs.size === 0) return false;
  if (dirs.has('')) return true;
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    if (dirs.has(path.slice(0, slash))) return true;
  }
  return false;
}
