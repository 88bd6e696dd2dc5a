/**
 * A packfile built with isomorphic-git's `packObjects`, fed while the object
 * walk is still running. `packObjects` reads and compresses one object at a
 * time and each step waits on the filesystem or a (de)compression stream,
 * so several calls over slices of the list — started as soon as a slice is
 * full — keep both busy; their packs (which hold no deltas) join into one.
 *
 * @example
 *   const packer = new ParallelPacker(store);
 *   await walkObjects(store, { include: [tip], onObjects: (oids) => packer.add(oids) });
 *   const pack = await packer.finish();
 */
import git from 'isomorphic-git';
import { StellaError } from '../errors.js';
import type { ObjectSource } from './object-walk.js';
import { concatPacks } from './pack-file.js';

export interface ParallelPackerOptions {
  /** `packObjects` calls in flight; default 8 (measured best on 2 cores). */
  concurrency?: number;
  /** Objects per call; default 512. */
  slice?: number;
}

/**
 * Collects object ids and packs them in slices, several at a time.
 * @example
 *   const packer = new ParallelPacker(store, { concurrency: 4 });
 *   packer.add(oids);
 *   const pack = await packer.finish();
 */
export class ParallelPacker {
  private readonly concurrency: number;
  private readonly slice: number;
  private pending: string[] = [];
  private readonly parts: Promise<Uint8Array>[] = [];
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private count = 0;

  constructor(
    private readonly source: ObjectSource,
    options: ParallelPackerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.slice = options.slice ?? 512;
  }

  /** Objects counted so far. */
  get objects(): number {
    return this.count;
  }

  /** Queues objects; full slices start packing at once. */
  add(oids: readonly string[]): void {
    this.count += oids.length;
    this.pending.push(...oids);
    while (this.pending.length >= this.slice) this.start(this.pending.splice(0, this.slice));
  }

  /** Packs what is left and returns the whole pack, objects in the order they were added. */
  async finish(): Promise<Uint8Array> {
    if (this.pending.length > 0 || this.parts.length === 0) this.start(this.pending.splice(0));
    const parts = await Promise.all(this.parts);
    return parts.length === 1 ? (parts[0] as Uint8Array) : concatPacks(parts);
  }

  private start(oids: string[]): void {
    const part = this.acquire().then(async () => {
      try {
        const { packfile } = await git.packObjects({ fs: this.source.fs, gitdir: this.source.gitdir, oids, cache: this.source.cache });
        if (packfile === undefined) throw new StellaError('INTERNAL', 'isomorphic-git packObjects returned no pack');
        return packfile;
      } finally {
        this.release();
      }
    });
    // finish() reports failures; until then a rejected part must not count as unhandled.
    part.catch(() => undefined);
    this.parts.push(part);
  }

  private acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.running--;
    else next();
  }
}
