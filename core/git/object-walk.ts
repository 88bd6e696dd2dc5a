/**
 * Which objects a bundle (or a fetch) must carry: everything reachable from
 * `include` that is not reachable from `exclude`, the way `git rev-list
 * --objects --boundary include ^exclude` computes it.
 *
 * Commits are walked newest first (by committer time) on both sides at once,
 * and the walk stops as soon as only excluded commits are left to visit, so
 * an incremental export reads the new commits and a few old ones, not the
 * whole history. Trees are read only once each: the trees of the boundary
 * (excluded parents of included commits) are marked as seen first, and a
 * subtree whose id was already seen is never opened again. Reads run a few at
 * a time, because each one waits on the filesystem and a decompressor.
 *
 * Clock skew can only make the result larger (an old commit kept although
 * it is excluded), never drop an object the receiver lacks.
 *
 * @example
 *   const plan = await walkObjects(store, { include: [tip], exclude: [lastExported] });
 *   await git.packObjects({ fs, gitdir, oids: [...plan.commits, ...plan.trees, ...plan.blobs] });
 */
import { StellaError } from '../errors.js';
import { walkCommits } from './commit-walk.js';
import { ObjectReader, type Inflate, type ObjectSource, type TreeItem } from './object-reader.js';

export type { Inflate, ObjectSource } from './object-reader.js';

export interface WalkRequest {
  /** Object ids to include (commits or annotated tags). */
  include: readonly string[];
  /** Commits the receiver already has, with all their history. */
  exclude?: readonly string[];
  /** How many object reads may be in flight; default 16. */
  concurrency?: number;
  /**
   * Called with objects as soon as they are known to belong to the result
   * (commits and tags first, then trees and blobs level by level), so a
   * caller can start packing them while the walk goes on.
   */
  onObjects?: (oids: readonly string[]) => void;
  /**
   * A synchronous zlib inflater for loose objects (Node's `zlib.inflateSync`
   * in the agent). Without it each read goes through a DecompressionStream,
   * whose setup costs more than inflating a small object.
   */
  inflate?: Inflate;
}

export interface WalkResult {
  /** Included commits, newest first. */
  commits: string[];
  tags: string[];
  trees: string[];
  blobs: string[];
  /** Excluded commits that are parents of included ones: a bundle's prerequisites. */
  boundary: string[];
  /** Include ids that turned out to be excluded (nothing new behind them). */
  excludedTips: string[];
}

const DEFAULT_CONCURRENCY = 16;

/**
 * Lists the commits, tags, trees and blobs reachable from `include` and not
 * from `exclude`. Throws REPO_INVALID when an object on the way is missing
 * or malformed.
 *
 * @example await walkObjects(store, { include: [await store.branchTip('main')] })
 */
export async function walkObjects(source: ObjectSource, request: WalkRequest): Promise<WalkResult> {
  const reader = new ObjectReader(source, request.inflate);
  const concurrency = request.concurrency ?? DEFAULT_CONCURRENCY;
  const tags: string[] = [];
  const includeCommits: string[] = [];
  const rootTrees: string[] = [];
  const rootBlobs: string[] = [];
  for (const oid of new Set(request.include)) {
    const peeled = await peel(reader, oid, tags);
    if (peeled.type === 'commit') includeCommits.push(peeled.oid);
    else if (peeled.type === 'tree') rootTrees.push(peeled.oid);
    else rootBlobs.push(peeled.oid);
  }
  const excludeCommits: string[] = [];
  for (const oid of new Set(request.exclude ?? [])) {
    const peeled = await peel(reader, oid, []);
    if (peeled.type !== 'commit') throw new StellaError('REPO_INVALID', `${oid}: an excluded object must be a commit, found a ${peeled.type}`);
    excludeCommits.push(peeled.oid);
  }

  const walk = await walkCommits(reader, includeCommits, excludeCommits);
  const emit = request.onObjects ?? ((): void => undefined);
  emit([...walk.commits, ...tags]);
  const seen = new Set<string>();
  const boundaryTrees = walk.boundary.map((oid) => walk.treeOf(oid));
  await walkTrees(reader, boundaryTrees, seen, undefined, concurrency);
  const trees: string[] = [];
  const blobs: string[] = [];
  for (const blob of rootBlobs) {
    if (!seen.has(blob)) {
      seen.add(blob);
      blobs.push(blob);
    }
  }
  if (blobs.length > 0) emit(blobs);
  const roots = [...rootTrees, ...walk.commits.map((oid) => walk.treeOf(oid))];
  await walkTrees(reader, roots, seen, { trees, blobs, emit }, concurrency);
  const excludedTips = includeCommits.filter((oid) => walk.isExcluded(oid));
  return { commits: walk.commits, tags, trees, blobs, boundary: walk.boundary, excludedTips };
}

/** Follows annotated tags down to what they name; records each tag object. */
async function peel(reader: ObjectReader, oid: string, tags: string[]): Promise<{ oid: string; type: string }> {
  let current = oid;
  for (let depth = 0; depth < 16; depth++) {
    const { type, object } = await reader.read(current, true);
    if (type !== 'tag') return { oid: current, type };
    tags.push(current);
    const match = /^object ([0-9a-f]{40})\n/.exec(new TextDecoder().decode(object.subarray(0, 48)));
    if (match === null) throw new StellaError('REPO_INVALID', `tag ${current}: no 'object' line`);
    current = match[1] as string;
  }
  throw new StellaError('REPO_INVALID', `${oid}: tags nested more than 16 deep`);
}

/**
 * Breadth-first over trees, one level of reads in flight at a time; adds
 * every entry to `seen` and, when `out` is given, the new ones to it.
 */
async function walkTrees(
  reader: ObjectReader,
  roots: readonly string[],
  seen: Set<string>,
  out: { trees: string[]; blobs: string[]; emit: (oids: readonly string[]) => void } | undefined,
  concurrency: number,
): Promise<void> {
  let level = roots;
  while (level.length > 0) {
    const found: string[] = [];
    const fresh: string[] = [];
    for (const oid of level) {
      if (seen.has(oid)) continue;
      seen.add(oid);
      fresh.push(oid);
      if (out !== undefined) {
        out.trees.push(oid);
        found.push(oid);
      }
    }
    const read: TreeItem[][] = new Array<TreeItem[]>(fresh.length);
    await forEachLimit(fresh.map((oid, i) => ({ oid, i })), concurrency, async ({ oid, i }) => {
      read[i] = await reader.tree(oid);
    });
    // Results are merged in input order, so the same history always lists objects in the same order.
    const next: string[] = [];
    for (const entries of read) {
      for (const entry of entries) {
        if (entry.kind === 'tree') next.push(entry.oid);
        else if (entry.kind === 'blob' && !seen.has(entry.oid)) {
          seen.add(entry.oid);
          if (out !== undefined) {
            out.blobs.push(entry.oid);
            found.push(entry.oid);
          }
        }
      }
    }
    if (found.length > 0) out?.emit(found);
    level = next;
  }
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight.
 * @example await forEachLimit(oids, 16, async (oid) => check(oid));
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
