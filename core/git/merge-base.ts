/**
 * The best common ancestors of two commits, read through the store's own
 * object reader (isomorphic-git's `findMergeBase` reads commits through its
 * cache, which loads whole packs). Git's own method: walk down from both
 * tips newest first, marking what each reaches; a commit both reach is a
 * candidate, and what lies below a candidate is stale. Candidates that are
 * ancestors of another are dropped.
 *
 * @example const [base] = await mergeBases(store, mainTip, branchTip);
 */
import { parseCommitInfo } from './object-parse.js';
import { descendsFrom, readStored, type StoredSource } from './store-objects.js';

const ONE = 1;
const TWO = 2;
const STALE = 4;

/** Common ancestors of `a` and `b`, none an ancestor of another; empty for unrelated histories. */
export async function mergeBases(repo: StoredSource, a: string, b: string): Promise<string[]> {
  if (a === b) return [a];
  const flags = new Map<string, number>([
    [a, ONE],
    [b, TWO],
  ]);
  const times = new Map<string, number>();
  const parents = new Map<string, string[]>();
  const load = async (oid: string): Promise<void> => {
    if (times.has(oid)) return;
    const object = await readStored(repo, oid);
    const info = object?.type === 'commit' ? parseCommitInfo(oid, object.data) : undefined;
    times.set(oid, info?.time ?? 0);
    parents.set(oid, info?.parents ?? []);
  };
  await load(a);
  await load(b);
  const queue = [a, b];
  const found: string[] = [];
  const active = (): boolean => queue.some((oid) => ((flags.get(oid) ?? 0) & STALE) === 0);
  while (queue.length > 0 && active()) {
    // Newest first: a linear pick is fine for the short queues of a state repository's history.
    let pick = 0;
    for (let i = 1; i < queue.length; i++) if ((times.get(queue[i] as string) ?? 0) > (times.get(queue[pick] as string) ?? 0)) pick = i;
    const oid = queue.splice(pick, 1)[0] as string;
    let mark = (flags.get(oid) ?? 0) & (ONE | TWO | STALE);
    if ((mark & (ONE | TWO)) === (ONE | TWO) && (mark & STALE) === 0) {
      found.push(oid);
      mark |= STALE;
      flags.set(oid, (flags.get(oid) ?? 0) | STALE);
    }
    for (const parent of parents.get(oid) ?? []) {
      const had = flags.get(parent) ?? 0;
      if ((had & mark) === mark) continue;
      flags.set(parent, had | mark);
      await load(parent);
      if (!queue.includes(parent)) queue.push(parent);
    }
  }
  const candidates = found.filter((oid) => ((flags.get(oid) ?? 0) & STALE) !== 0);
  if (candidates.length < 2) return candidates;
  const out: string[] = [];
  for (const oid of candidates) {
    let redundant = false;
    for (const other of candidates) if (other !== oid && (await descendsFrom(repo, other, oid))) redundant = true;
    if (!redundant) out.push(oid);
  }
  return out;
}
