/**
 * What happens to each entry of a layer: path hygiene, whiteouts, the
 * overlay bookkeeping, and extraction of the files extractors want. A
 * `TarVisitor`, so it runs synchronously inside the tar parser.
 *
 * Hygiene: names that are not UTF-8 or hold NUL, names that climb out of
 * the root with `..`, and over-long names are skipped with a warning;
 * absolute names are re-rooted with a warning. Entries below a symlinked
 * directory land where the symlink points, inside the root. Devices and
 * FIFOs carry no content. Hardlinks to required paths are resolved by
 * `HardlinkTargets` in a second pass over the layer (rare: only when a
 * required file is itself a hardlink), except one whose target this pass
 * already streamed through the same extractors and found nothing in (an
 * executable hardlinked to another, as Debian's perl and gzip are): the same
 * bytes yield nothing again, and re-reading the layer up to the target cost
 * a cold scan of debian-node about 0.13 s. A file whose extractors can all read
 * a stream (stream-extract.ts) is handed to them part by part, and the rest
 * of it skipped once they have seen enough; any other is read whole.
 *
 * @example
 *   const scan = new LayerScan(overlay.layer(), overlay, context);
 *   await readLayer(source, scan, …);
 *   if (scan.hardlinks.size > 0) …second pass…
 */
import type { AnyExtractor } from '../../core/extract/extractor.js';
import { baseName, joinPath, normalisePath, parentPath, resolveParents, symlinkEscapes } from './entry-path.js';
import type { SymlinkLookup } from './entry-path.js';
import type { Limits } from './limits.js';
import type { LayerDelta, Overlay } from './overlay.js';
import { extractorsFor, fitting, runExtractors } from './run-extractors.js';
import type { TarEntry } from '../../core/archive/tar/entry.js';
import type { TarBodySink, TarVisitor } from '../../core/archive/tar/parser.js';
import type { ExtractedPackage } from '../../core/model/package.js';
import { StreamedFile, canStream } from './stream-extract.js';
import { printable } from './warnings.js';

/** What the scan of one layer needs from the image reader. */
export interface ScanContext {
  extractors: readonly AnyExtractor[];
  limits: Limits;
  /** Prefix of errors: `<input>: layer sha256:…`. */
  where: string;
  /** Prefix of this layer's warnings (`layer 2: `, or `` for a lone tar). */
  label: string;
  warn(message: string): void;
}

/** A required path that is a hardlink, waiting for its target's contents. */
export interface PendingHardlink {
  target: string;
  ordinal: number;
  extractors: readonly AnyExtractor[];
  osRelease: boolean;
}

const OPAQUE = '.wh..wh..opq';

/** True for the files whose contents may become the target's OS release (`etc/os-release` and the file it links to). */
export function isOsReleaseCandidate(path: string): boolean {
  return path === 'os-release' || path.endsWith('/os-release');
}

/** The visitor that scans one layer into a `LayerDelta` (see the module comment). */
export class LayerScan implements TarVisitor {
  /** Required paths that are hardlinks, by path. */
  readonly hardlinks = new Map<string, PendingHardlink>();
  /** Results of asynchronous extractors still running. */
  private readonly pending: Promise<void>[] = [];
  /**
   * Regular files of this layer that stream extractors read without a package or a warning, by
   * entry name (as a hardlink names its target), with the extractors that wanted them.
   */
  private readonly streamedEmpty = new Map<string, readonly AnyExtractor[]>();
  private path = '';
  private wanted: readonly AnyExtractor[] = [];
  private osRelease = false;
  private stopped = false;
  private symlinks = 0;
  private symlinkLimitWarned = false;
  private readonly lookup: SymlinkLookup;

  constructor(
    private readonly delta: LayerDelta,
    private readonly overlay: Overlay,
    private readonly context: ScanContext,
  ) {
    this.lookup = (path) => delta.symlinkAt(path);
  }

  entry(entry: TarEntry): boolean | TarBodySink {
    if (this.stopped) return false;
    const { limits } = this.context;
    if (entry.ordinal >= limits.maxEntriesPerLayer) {
      this.stopped = true;
      this.warn(`more than ${limits.maxEntriesPerLayer} entries; the rest of this layer is not read`);
      return false;
    }
    const name = entry.name;
    if (name === undefined) {
      this.warn(`entry at offset ${entry.offset}: ${entry.problem ?? 'unreadable name'}; skipped`);
      return false;
    }
    if (name.charCodeAt(0) === 0x2f) this.warn(`${printable(name)}: absolute path, read as relative to the image root`);
    const normal = normalisePath(name);
    if (normal === undefined) {
      this.warn(`${printable(name)}: path escapes the image root; skipped`);
      return false;
    }
    if (normal === '') return false; // the root directory itself
    if (this.streamedEmpty.size > 0) this.streamedEmpty.delete(normal); // a later entry of that name is what a link would name
    const path = resolveParents(normal, this.lookup);
    if (this.hardlinks.size > 0) this.hardlinks.delete(path); // a later entry replaces the link
    const base = baseName(path);
    if (base.startsWith('.wh.')) {
      this.whiteout(path, base);
      return false;
    }
    switch (entry.type) {
      case 'directory':
        this.delta.directory(path);
        return false;
      case 'symlink':
        this.delta.replace(path);
        this.symlink(path, entry.linkname);
        return false;
      case 'hardlink':
        this.delta.replace(path);
        this.hardlink(path, entry.linkname, entry.ordinal);
        return false;
      case 'char-device':
      case 'block-device':
      case 'fifo':
        this.delta.replace(path);
        if (extractorsFor(this.context.extractors, path).length > 0) this.warn(`${path}: a ${entry.type}, not a regular file; not read`);
        return false;
      default:
        this.delta.replace(path);
        return this.regular(path, normal, entry);
    }
  }

  contents(_entry: TarEntry, data: Uint8Array): void {
    this.store(this.path, this.wanted, this.osRelease, data);
  }

  /** Records the file at `path` with the packages its contents yield (also used for resolved hardlinks). */
  store(path: string, extractors: readonly AnyExtractor[], osRelease: boolean, data: Uint8Array): void {
    const result = extractors.length === 0 ? [] : runExtractors(extractors, path, data, (message) => this.warn(message));
    // os-release is kept as a copy: `data` may be a view into a decompression buffer.
    this.put(path, result, osRelease ? Buffer.from(data) : undefined);
  }

  private put(path: string, result: ExtractedPackage[] | Promise<ExtractedPackage[]>, osRelease: Buffer | undefined): void {
    const node = { kind: 'file' as const, packages: Array.isArray(result) ? result : [], osRelease };
    if (!Array.isArray(result)) this.pending.push(result.then((packages) => void (node.packages = packages)));
    this.delta.put(path, node);
  }

  /** Symlinks this layer tracks, and whether it met the tracking limit (checked again when it was read ahead, layer-ahead.ts). */
  get symlinkUse(): { tracked: number; limitReached: boolean } {
    return { tracked: this.symlinks, limitReached: this.symlinkLimitWarned };
  }

  /** Waits for asynchronous extractors of this layer; call before the layer is committed. */
  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** Adds a warning with this layer's prefix. */
  warn(message: string): void {
    this.context.warn(`${this.context.label}${message}`);
  }

  /** `normal`: the entry's name as a hardlink would name it (`path` has its parent symlinks resolved). */
  private regular(path: string, normal: string, entry: TarEntry): boolean | TarBodySink {
    const { extractors, limits, where } = this.context;
    const wanted = extractorsFor(extractors, path);
    const osRelease = isOsReleaseCandidate(path) && entry.size <= limits.maxOsReleaseBytes;
    if (wanted.length === 0 && !osRelease) return false;
    if (entry.sparse) {
      if (wanted.length > 0) this.warn(`${path}: a sparse file; not read`);
      return false;
    }
    let warned = false;
    const warn = (message: string): void => {
      warned = true;
      this.warn(message);
    };
    this.path = path;
    this.wanted = fitting(wanted, entry.size, path, where, limits, warn);
    this.osRelease = osRelease;
    if (!osRelease && canStream(this.wanted)) {
      return new StreamedFile(this.wanted, { path, size: entry.size }, warn, (result) => {
        this.put(path, result, undefined);
        if (Array.isArray(result) && result.length === 0 && !warned) this.streamedEmpty.set(normal, wanted);
      });
    }
    return this.wanted.length > 0 || osRelease;
  }

  private whiteout(path: string, base: string): void {
    const dir = parentPath(path);
    if (base === OPAQUE) {
      this.delta.opaque(dir);
      return;
    }
    if (base.startsWith('.wh..wh.')) return; // other AUFS metadata (.wh..wh.plnk, …): not a whiteout
    const target = base.slice(4);
    if (target === '' || target === '.' || target === '..') {
      this.warn(`${printable(path)}: whiteout of "${printable(target)}" does not name an entry; ignored`);
      return;
    }
    this.delta.whiteout(joinPath(dir, target));
  }

  private symlink(path: string, target: string | undefined): void {
    if (target === undefined || target === '') return;
    if (symlinkEscapes(path, target)) this.warn(`${path} -> ${printable(target)}: symlink points above the image root; resolved inside it`);
    if (this.overlay.symlinkCount + this.symlinks >= this.context.limits.maxTrackedSymlinks) {
      if (!this.symlinkLimitWarned) this.warn(`more than ${this.context.limits.maxTrackedSymlinks} symlinks; later ones are not followed`);
      this.symlinkLimitWarned = true;
      return;
    }
    this.symlinks++;
    this.delta.put(path, { kind: 'symlink', target });
  }

  private hardlink(path: string, link: string | undefined, ordinal: number): void {
    if (link === undefined) {
      this.warn(`${path}: hardlink with an unreadable target; skipped`);
      return;
    }
    if (link.charCodeAt(0) === 0x2f) this.warn(`${path}: hardlink to absolute ${printable(link)}, read as relative to the image root`);
    const target = normalisePath(link);
    if (target === undefined || target === '') {
      this.warn(`${path}: hardlink to ${printable(link)}, outside the image root; skipped`);
      return;
    }
    const extractors = extractorsFor(this.context.extractors, path);
    const osRelease = isOsReleaseCandidate(path);
    if (extractors.length === 0 && !osRelease) return;
    const streamed = this.streamedEmpty.get(target);
    if (!osRelease && streamed !== undefined && extractors.every((extractor) => streamed.includes(extractor))) {
      this.put(path, [], undefined); // the target's bytes, read by these extractors already: nothing
      return;
    }
    this.hardlinks.set(path, { target, ordinal, extractors, osRelease });
  }
}
