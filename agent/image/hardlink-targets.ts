/**
 * The second pass over a layer, run only when a required file (a dpkg
 * database, a package.json, os-release) is a hardlink: it captures the
 * contents of the link targets. A hardlink target must name an earlier
 * regular-file entry of the same layer (tar semantics); anything else is
 * skipped with a warning, so no host file and no later entry is ever read.
 *
 * @example
 *   const targets = new HardlinkTargets(scan.hardlinks, limits, where);
 *   await readLayer(source, targets, …);   // stops as soon as it is done
 *   targets.resolve(scan);
 */
import { normalisePath } from './entry-path.js';
import type { PendingHardlink } from './layer-scan.js';
import type { LayerScan } from './layer-scan.js';
import type { Limits } from './limits.js';
import { fitting } from './run-extractors.js';
import type { TarEntry } from '../../core/archive/tar/entry.js';
import type { TarVisitor } from '../../core/archive/tar/parser.js';

interface Capture {
  ordinal: number;
  size: number;
  /** Undefined when the target was larger than any link to it accepts. */
  data: Buffer | undefined;
}

/** A visitor for the second pass over a layer: captures the targets of pending hardlinks. */
export class HardlinkTargets implements TarVisitor {
  /** Target path → the largest size any link to it accepts. */
  private readonly wanted = new Map<string, number>();
  private readonly captures = new Map<string, Capture[]>();
  private readonly lastOrdinal: number;

  constructor(
    private readonly links: ReadonlyMap<string, PendingHardlink>,
    private readonly limits: Limits,
    private readonly where: string,
  ) {
    let last = -1;
    for (const link of links.values()) {
      const cap = Math.max(link.osRelease ? limits.maxOsReleaseBytes : 0, ...link.extractors.map((e) => e.maxFileSize));
      this.wanted.set(link.target, Math.max(cap, this.wanted.get(link.target) ?? 0));
      last = Math.max(last, link.ordinal);
    }
    this.lastOrdinal = last;
  }

  /** True once every entry that could be a target has been seen: the pass can stop. */
  done = false;

  entry(entry: TarEntry): boolean {
    if (entry.ordinal >= this.lastOrdinal) {
      this.done = true;
      return false;
    }
    if (entry.name === undefined || (entry.type !== 'file' && entry.type !== 'other') || entry.sparse) return false;
    const path = normalisePath(entry.name);
    if (path === undefined) return false;
    const cap = this.wanted.get(path);
    if (cap === undefined) return false;
    if (entry.size <= cap) return true;
    this.record(path, { ordinal: entry.ordinal, size: entry.size, data: undefined });
    return false;
  }

  contents(entry: TarEntry, data: Uint8Array): void {
    this.record(normalisePath(entry.name ?? '') ?? '', { ordinal: entry.ordinal, size: entry.size, data: Buffer.from(data) });
  }

  /** Stores each link's file in the layer's changes, or warns when its target was not found. */
  resolve(scan: LayerScan): void {
    for (const [path, link] of this.links) {
      let found: Capture | undefined;
      for (const capture of this.captures.get(link.target) ?? []) {
        if (capture.ordinal < link.ordinal) found = capture; // the latest entry before the link
      }
      if (found === undefined) {
        scan.warn(`${path}: hardlink to ${link.target}, which is not an earlier regular file of this layer; skipped`);
        continue;
      }
      // The same size rule as for a plain file (throws under the 'error' policy).
      const extractors = fitting(link.extractors, found.size, path, this.where, this.limits, (message) => scan.warn(message));
      if (found.data !== undefined) scan.store(path, extractors, link.osRelease && found.size <= this.limits.maxOsReleaseBytes, found.data);
    }
  }

  private record(path: string, capture: Capture): void {
    const list = this.captures.get(path);
    if (list === undefined) this.captures.set(path, [capture]);
    else list.push(capture);
  }
}
