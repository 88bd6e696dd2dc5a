/**
 * "Commits reachable from these and not from those": the one commit walk,
 * under both a bundle's object list (`object-walk.ts`) and push/pull's
 * history questions (`history.ts`).
 *
 * Commits are visited newest first (by committer time) from both sides at
 * once; a commit reached from an excluded one is excluded, and so are its
 * ancestors. The walk stops once no included commit is left to visit, so
 * its cost follows the size of the difference, not of the history. Clock
 * skew (a child older than its parent) can only make the result larger —
 * never drop a commit the other side lacks; `slop` extra steps settle small
 * skews exactly, which ancestry questions need.
 *
 * @example
 *   const walk = await walkCommits(new ObjectReader(store, undefined), [tip], [remoteTip], { slop: 5 });
 *   walk.commits // newest first
 */
import { StellaError } from '../errors.js';
import type { ObjectReader } from './object-reader.js';

export interface CommitWalkOptions {
  /**
   * Steps to go on after the walk looks finished while excluded commits are
   * queued (default 0: a bundle only carries a little more under skew).
   */
  slop?: number;
  /** Throw LIMIT_EXCEEDED past this many commits visited (default: no limit). */
  limit?: number;
}

export interface CommitWalk {
  /** Included commits, newest first. */
  commits: string[];
  /** Excluded commits that are parents of included ones. */
  boundary: string[];
  /** The tree of a commit the walk read. */
  treeOf(oid: string): string;
  /** Whether a commit the walk read turned out reachable from an excluded one. */
  isExcluded(oid: string): boolean;
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

/**
 * Walks from `include` down to what `exclude` reaches. Throws REPO_INVALID
 * when a commit on the way is missing (callers drop excluded tips they do
 * not have), LIMIT_EXCEEDED past `options.limit`.
 *
 * @example const { commits, boundary } = await walkCommits(reader, [tip], [lastExported]);
 */
export async function walkCommits(reader: ObjectReader, include: readonly string[], exclude: readonly string[], options: CommitWalkOptions = {}): Promise<CommitWalk> {
  const slop = options.slop ?? 0;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const nodes = new Map<string, CommitNode>();
  const pending = new Map<string, Promise<CommitNode>>();
  let order = 0;
  const node = (oid: string): Promise<CommitNode> => {
    let promise = pending.get(oid);
    if (promise === undefined) {
      if (pending.size >= limit) tooMany(include, limit);
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
  let oldestIncluded = Number.POSITIVE_INFINITY;
  let slopLeft = slop;
  for (;;) {
    const newest = queue.peek();
    // With slop, an excluded commit newer than the oldest included one may still exclude it.
    const open = includedInQueue > 0 || (slop > 0 && newest !== undefined && newest.time >= oldestIncluded);
    if (open) slopLeft = slop;
    else if (newest === undefined || slopLeft-- <= 0) break;
    const n = queue.pop() as CommitNode;
    n.queued = false;
    if (!n.excluded) {
      includedInQueue--;
      oldestIncluded = Math.min(oldestIncluded, n.time);
    }
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
  return {
    commits,
    boundary: [...boundary].sort(),
    treeOf: (oid) => (nodes.get(oid) as CommitNode).tree,
    isExcluded: (oid) => nodes.get(oid)?.excluded === true,
  };
}

function tooMany(include: readonly string[], limit: number): never {
  throw new StellaError('LIMIT_EXCEEDED', `history walk from ${include.map((o) => o.slice(0, 12)).join(', ')} passed ${limit} commits; the histories look unrelated`);
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

  peek(): CommitNode | undefined {
    return this.heap[0];
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
