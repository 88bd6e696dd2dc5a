/**
 * Importing a git bundle (see bundle.ts for the whole picture): the header
 * is parsed, the pack streamed into a spool and its trailer checked,
 * prerequisites next, then the pack is indexed, completed if thin,
 * published by rename, checked for a complete history, and only then are
 * refs moved. The bundle is read as it arrives, never held whole.
 *
 * @example
 *   const result = await importBundle(store, bytes, { source: 'nightly.bundle', asRemote: 'bundle', limits: { inflate } });
 */
import git from 'isomorphic-git';
import { StellaError } from '../errors.js';
import { checkRefName, escapeForDisplay, type BundleRef, type SkippedRef } from './bundle-format.js';
import { splitBundle } from './bundle-stream.js';
import { forEachLimit, walkObjects, type ObjectSource } from './object-walk.js';
import type { PackLimits } from './pack-limits.js';
import type { PackInput } from './pack-receive.js';
import { publishPack, stagePack, type Published } from './pack-store.js';
import { descendsFrom, hasStored, readStored } from './store-objects.js';

export interface ImportBundleOptions {
  /** Size limits on the bundle's pack, the inflaters that check them and the spool it waits in (see pack-limits.ts). */
  limits: PackLimits;
  /** Name of the input, for messages (a file name). */
  source?: string;
  /** Move refs even when the bundle's commit does not descend from the local one. */
  force?: boolean;
  /** Write branches to `refs/remotes/<name>/*` instead of `refs/heads/*` (like a fetch). */
  asRemote?: string;
  /**
   * Called once with every ref about to move (created, updated, forced),
   * after the objects are in and before any ref is written; throwing stops
   * them all (the pack stays, unreferenced). The caller's admission check.
   */
  admit?: (updates: readonly RefUpdate[]) => Promise<void>;
}

export type RefUpdateStatus = 'created' | 'updated' | 'unchanged' | 'forced' | 'refused';

export interface RefUpdate {
  /** The ref as named in the bundle. */
  name: string;
  /** The local ref it maps to. */
  ref: string;
  oid: string;
  previous: string | undefined;
  status: RefUpdateStatus;
  /** Why a ref was refused. */
  reason?: string;
}

export interface ImportResult {
  source: string;
  prerequisites: string[];
  updates: RefUpdate[];
  /** Ref lines not imported: invalid names, or outside refs/heads and refs/tags. */
  skipped: SkippedRef[];
  /** Objects in the bundle's pack. */
  objects: number;
  /** Delta bases taken from this repository to complete a thin pack. */
  completedFromLocal: number;
  /** File name of the pack kept under objects/pack, if any. */
  pack: string | undefined;
}

interface PlannedRef {
  name: string;
  ref: string;
  oid: string;
  kind: 'branch' | 'tag';
}

/**
 * Imports a v2 bundle — bytes, or pieces as read from a file — into the
 * repository behind `store`. Throws (and
 * leaves the repository unchanged) when the bundle is malformed, its pack
 * is damaged (DIGEST_MISMATCH), its prerequisites are missing (NOT_FOUND)
 * or its history is incomplete. Refs that cannot be fast-forwarded are
 * refused one by one (status 'refused'), the others are still updated.
 *
 * @example
 *   const result = await importBundle(store, bytes, { source: 'nightly.bundle', limits: { inflate } });
 *   const refused = result.updates.filter((u) => u.status === 'refused');
 */
export async function importBundle(store: ObjectSource, input: PackInput, options: ImportBundleOptions): Promise<ImportResult> {
  const source = options.source ?? 'bundle';
  const { header: bundle, pack, close } = await splitBundle(input, source);
  // A fresh cache: packs added (and maybe removed again) here must not linger in the store's cache.
  // The store's own reader lists packs again when an object is missed, and forgets them when one is withdrawn.
  const repo: ObjectSource = { fs: store.fs, gitdir: store.gitdir, cache: {}, ...(store.objects === undefined ? {} : { objects: store.objects }) };
  const staged = await stagePack(repo, pack, source, options.limits).finally(close);
  try {
    await requirePrerequisites(repo, bundle.prerequisites, source);
    const { planned, skipped } = planRefs(bundle.refs, bundle.skipped, options.asRemote);
    const result: ImportResult = {
      source,
      prerequisites: bundle.prerequisites.map((p) => p.oid),
      updates: [],
      skipped,
      objects: staged.info.objects,
      completedFromLocal: 0,
      pack: undefined,
    };
    if (planned.length === 0) return result;
    const published = staged.info.objects === 0 ? undefined : await publishPack(repo, staged, source, options.limits);
    await requireCompleteOrWithdraw(repo, planned, bundle.prerequisites.map((p) => p.oid), published, source);
    result.pack = published?.name;
    result.completedFromLocal = published?.completed ?? 0;
    const decided: RefUpdate[] = [];
    for (const plan of planned) decided.push(await decideRef(repo, plan, options.force === true));
    await options.admit?.(decided.filter((u) => u.status !== 'refused' && u.status !== 'unchanged'));
    for (const update of decided) result.updates.push(await writeUpdate(repo, update));
    return result;
  } finally {
    await staged.discard();
  }
}

async function requireCompleteOrWithdraw(repo: ObjectSource, planned: readonly PlannedRef[], prerequisites: readonly string[], published: Published | undefined, source: string): Promise<void> {
  try {
    await requireComplete(repo, planned, prerequisites, published?.oids ?? new Set(), source);
  } catch (error) {
    await published?.withdraw();
    throw error;
  }
}

async function requirePrerequisites(repo: ObjectSource, prerequisites: readonly { oid: string; comment: string }[], source: string): Promise<void> {
  const missing: string[] = [];
  for (const { oid, comment } of prerequisites) {
    const object = await readStored(repo, oid);
    if (object?.type !== 'commit') missing.push(comment === '' ? oid.slice(0, 12) : `${oid.slice(0, 12)} (${escapeForDisplay(comment).slice(0, 60)})`);
  }
  if (missing.length > 0) {
    throw new StellaError(
      'NOT_FOUND',
      `${source}: this repository lacks ${missing.length} prerequisite commit(s) the bundle builds on: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}; import the earlier bundle first (nothing was changed)`,
      { data: { missing } },
    );
  }
}

/** Which bundle refs land where; everything outside branches and tags is skipped. */
function planRefs(refs: readonly BundleRef[], skippedByName: readonly SkippedRef[], asRemote: string | undefined): { planned: PlannedRef[]; skipped: SkippedRef[] } {
  if (asRemote !== undefined && (asRemote.includes('/') || checkRefName(`refs/remotes/${asRemote}/x`) !== undefined)) {
    throw new StellaError('USAGE', `'${escapeForDisplay(asRemote)}' is not a usable remote name`);
  }
  const planned: PlannedRef[] = [];
  const skipped = [...skippedByName];
  for (const { name, oid } of refs) {
    if (name.startsWith('refs/heads/')) {
      const ref = asRemote === undefined ? name : `refs/remotes/${asRemote}/${name.slice('refs/heads/'.length)}`;
      planned.push({ name, ref, oid, kind: 'branch' });
    } else if (name.startsWith('refs/tags/')) {
      planned.push({ name, ref: name, oid, kind: 'tag' });
    } else {
      skipped.push({ name, oid, reason: 'not a branch or tag (only refs/heads/* and refs/tags/* are imported)' });
    }
  }
  return { planned, skipped };
}

/**
 * Every object the new refs need is here: walk from their tips down to what
 * the repository already had (prerequisites and local refs), and look up
 * each blob the pack did not bring.
 */
async function requireComplete(repo: ObjectSource, planned: readonly PlannedRef[], prerequisites: readonly string[], inPack: ReadonlySet<string>, source: string): Promise<void> {
  const local: string[] = [];
  for (const prefix of ['refs/heads', 'refs/remotes']) {
    for (const name of await git.listRefs({ fs: repo.fs, gitdir: repo.gitdir, filepath: prefix })) {
      const oid = await git.resolveRef({ fs: repo.fs, gitdir: repo.gitdir, ref: `${prefix}/${name}` }).catch(() => undefined);
      if (oid !== undefined) local.push(oid);
    }
  }
  try {
    const walk = await walkObjects(repo, { include: planned.map((p) => p.oid), exclude: [...prerequisites, ...local] });
    const outside = walk.blobs.filter((oid) => !inPack.has(oid));
    await forEachLimit(outside, 16, async (oid) => {
      if (!(await hasStored(repo, oid))) throw new StellaError('REPO_INVALID', `object ${oid} is missing`);
    });
  } catch (error) {
    const detail = error instanceof StellaError ? error.message : String(error);
    throw new StellaError('REPO_INVALID', `${source}: the bundle's history is incomplete (${detail}); nothing was changed`, { cause: error });
  }
}

/** Whether a ref may move, without moving it. */
async function decideRef(repo: ObjectSource, plan: PlannedRef, force: boolean): Promise<RefUpdate> {
  const { fs, gitdir } = repo;
  const previous = await git.resolveRef({ fs, gitdir, ref: plan.ref }).catch(() => undefined);
  const base = { name: plan.name, ref: plan.ref, oid: plan.oid, previous };
  if (previous === plan.oid) return { ...base, status: 'unchanged' };
  if (previous === undefined) return { ...base, status: 'created' };
  const fastForward =
    plan.kind === 'branch' && (await descendsFrom(repo, plan.oid, previous));
  if (fastForward) return { ...base, status: 'updated' };
  if (force) return { ...base, status: 'forced' };
  const reason =
    plan.kind === 'tag'
      ? `tag already points to ${previous.slice(0, 12)}; tags are not moved without --force`
      : `not a fast-forward: ${plan.oid.slice(0, 12)} does not descend from the local ${previous.slice(0, 12)} (local commits would be lost); use --force to overwrite`;
  return { ...base, status: 'refused', reason };
}

async function writeUpdate(repo: ObjectSource, update: RefUpdate): Promise<RefUpdate> {
  if (update.status === 'refused' || update.status === 'unchanged') return update;
  try {
    await git.writeRef({ fs: repo.fs, gitdir: repo.gitdir, ref: update.ref, value: update.oid, force: true });
  } catch (cause) {
    return { ...update, status: 'refused', reason: `cannot write ${update.ref}: ${(cause as Error).message.split('\n')[0] ?? ''}` };
  }
  return update;
}
