/**
 * Reading a layer before the layers under it are merged ("ahead"), so the
 * layers of an image are read at the same time. What a layer's scan takes
 * from the layers below is small and known: whether a lower path is tracked
 * (what its whiteouts, replacements and directories remove), whether a
 * parent directory of an entry is a lower symlink (where the entry lands),
 * and how many symlinks are tracked below (the tracking limit). A layer read
 * ahead notes the paths it would have asked about; once the layers below
 * are merged, `fitsOver` tells whether the answers would all have been "no"
 * (then `rebase` gives exactly the delta a read in order gives), else the
 * layer is read again in order. Real images nearly always fit: a layer's tar
 * names real directories, not lower symlinks.
 *
 * The log holds paths, so it is bounded: past `AHEAD_BUDGET` characters it
 * stops noting, says `overflowed`, and the layer is read again in order.
 *
 * @example
 *   const log = new AheadLog();
 *   const delta = new Overlay().layer(log); // scanned without the lower layers
 *   … later, the lower layers merged into `overlay`:
 *   if (log.fitsOver(overlay, symlinks)) overlay.commit(rebase(delta, log, overlay), index);
 */
import type { Limits } from './limits.js';
import type { LayerDelta, Overlay } from './overlay.js';

/** Characters of paths a log notes before it gives up (a few MB; a real layer notes well under 1 MB). */
export const AHEAD_BUDGET = 4 << 20;

/** What a layer read ahead would have asked of the layers below it. */
export class AheadLog {
  /** Paths the layer removes if tracked below (in the order first seen, as a read in order adds them). */
  private readonly exactPaths = new Set<string>();
  /** Directories whose lower contents the layer removes if anything is tracked under them. */
  private readonly belowPaths = new Set<string>();
  /** Paths looked up as possible lower symlinks. */
  private readonly lookups = new Set<string>();
  private chars = 0;
  /** True once the budget was spent: the log is incomplete, the layer must be read in order. */
  overflowed = false;

  constructor(private readonly budget = AHEAD_BUDGET) {}

  /** Notes a path removed if the lower layers track it. */
  exact(path: string): void {
    this.note(this.exactPaths, path);
  }

  /** Notes a directory whose lower contents are removed. */
  below(dir: string): void {
    this.note(this.belowPaths, dir);
  }

  /** Notes a path asked about as a lower symlink. */
  lookup(path: string): void {
    this.note(this.lookups, path);
  }

  /**
   * True when a read over `lower` would have made the same choices: no
   * looked-up path is a lower symlink and the layer's `symlinks` fit under
   * the tracking limit on top of the lower ones.
   */
  fitsOver(lower: Overlay, symlinks: { tracked: number; limitReached: boolean }, limits: Limits): boolean {
    if (this.overflowed || symlinks.limitReached) return false;
    if (lower.symlinkCount + symlinks.tracked > limits.maxTrackedSymlinks) return false;
    if (lower.symlinkCount === 0) return true;
    for (const path of this.lookups) {
      if (lower.nodes.get(path)?.kind === 'symlink') return false;
    }
    return true;
  }

  /** The delta a read over `lower` would have collected: `ahead`'s additions, and the removals that hit `lower`. */
  rebase(ahead: LayerDelta, lower: Overlay): LayerDelta {
    const delta = lower.layer();
    for (const path of this.exactPaths) if (lower.nodes.has(path)) delta.removeExact.add(path);
    for (const dir of this.belowPaths) if (dir === '' ? lower.nodes.size > 0 : lower.hasUnder(dir)) delta.removeBelow.add(dir);
    for (const [path, node] of ahead.upper) delta.upper.set(path, node);
    delta.changed = ahead.changed || delta.removeExact.size > 0 || delta.removeBelow.size > 0;
    return delta;
  }

  private note(set: Set<string>, path: string): void {
    if (this.overflowed || set.has(path)) return;
    this.chars += path.length + 1;
    if (this.chars > this.budget) {
      this.overflowed = true;
      return;
    }
    set.add(path);
  }
}
