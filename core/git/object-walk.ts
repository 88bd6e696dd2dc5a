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

interface CommitNode {
  oid: string;
  tree: string;
  parents: string[];
  time: number;
  /** Reachable from an excluded commit. */
  excluded: boolean;
  queued: boolean;
  expanded: boolean;
  order: number;
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
  const boundaryTrees = walk.boundary.map((oid) => (walk.nodes.get(oid) as CommitNode).tree);
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
  const roots = [...rootTrees, ...walk.commits.map((oid) => (walk.nodes.get(oid) as CommitNode).tree)];
  await walkTrees(reader, roots, seen, { trees, blobs, emit }, concurrency);
  const excludedTips = includeCommits.filter((oid) => walk.nodes.get(oid)?.excluded === true);
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

async function walkCommits(
  reader: ObjectReader,
  include: readonly string[],
  exclude: readonly string[],
): Promise<{ nodes: Map<string, CommitNode>; commits: string[]; boundary: string[] }> {
  const nodes = new Map<string, CommitNode>();
  const pending = new Map<string, Promise<CommitNode>>();
  let order = 0;
  const node = (oid: string): Promise<CommitNode> => {
    let promise = pending.get(oid);
    if (promise === undefined) {
      promise = reader.commit(oid).then((parsed) => {
        const created: CommitNode = { oid, ...parsed, excluded: false, queued: false, expanded: false, order: order++ };
        nodes.set(oid, created);
        return created;
      });
      pending.set(oid, promise);
    }
    return promise;
  };
  const queue = new CommitQueue();
  let includedInQueue = 0;
  const enqueue = (n: CommitNode): void => {
    if (n.queued || n.expanded) return;
    n.queued = true;
    queue.push(n);
    if (!n.excluded) includedInQueue++;
  };
  const markExcluded = (start: CommitNode): void => {
    const stack = [start];
    while (stack.length > 0) {
      const n = stack.pop() as CommitNode;
      if (n.excluded) continue;
      n.excluded = true;
      if (n.queued) includedInQueue--;
      // Parents of an already expanded commit are known: carry the mark down.
      if (n.expanded) for (const parent of n.parents) stack.push(nodes.get(parent) as CommitNode);
    }
  };
  for (const n of await Promise.all(exclude.map(node))) markExcluded(n);
  for (const n of await Promise.all([...exclude, ...include].map(node))) enqueue(n);

  const visited: CommitNode[] = [];
  while (includedInQueue > 0) {
    const n = queue.pop() as CommitNode;
    n.queued = false;
    if (!n.excluded) includedInQueue--;
    const parents = await Promise.all(n.parents.map(node));
    n.expanded = true;
    visited.push(n);
    for (const parent of parents) {
      if (n.excluded) markExcluded(parent);
      enqueue(parent);
    }
  }
  const commits: string[] = [];
  const boundary = new Set<string>();
  for (const n of visited) {
    if (n.excluded) continue;
    commits.push(n.oid);
    for (const parent of n.parents) if (nodes.get(parent)?.excluded === true) boundary.add(parent);
  }
  return { nodes, commits, boundary: [...boundary].sort() };
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

/** Newest commit first; among equal times, the one discovered first. */
class CommitQueue {
  private readonly heap: CommitNode[] = [];

  push(node: CommitNode): void {
    const heap = this.heap;
    heap.push(node);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as CommitNode, heap[parent] as CommitNode)) break;
      [heap[i], heap[parent]] = [heap[parent] as CommitNode, heap[i] as CommitNode];
      i = parent;
    }
  }

  pop(): CommitNode | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < heap.length && before(heap[left] as CommitNode, heap[best] as CommitNode)) best = left;
        if (right < heap.length && before(heap[right] as CommitNode, heap[best] as CommitNode)) best = right;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best] as CommitNode, heap[i] as CommitNode];
        i = best;
      }
    }
    return top;
  }
}

function before(a: CommitNode, b: CommitNode): boolean {
  return a.time !== b.time ? a.time > b.time : a.order < b.order;
}
