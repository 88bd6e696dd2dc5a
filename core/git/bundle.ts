/**
 * Git bundles (v2) of the state repository: the way evidence moves between
 * machines without a network path, in a format native git reads and writes.
 *
 * - `createBundle` carries every branch (or the refs asked for) with its
 *   whole history, or — given `since` commits the receiver already has —
 *   only what is new; the boundary commits become the prerequisites.
 * - `importBundle` reads the bundle as it arrives: checks the header,
 *   streams the pack into a spool in a staging folder and checks its SHA-1
 *   trailer, then the prerequisites; indexes the pack with our own indexer
 *   (held to the size limits); completes a thin pack (native incremental bundles) with the local
 *   delta bases; publishes pack and index with a rename; checks that every
 *   ref's history is complete; then moves refs, fast-forward only unless
 *   forced. A failure before the refs move leaves the repository as it was.
 *
 * @example
 *   const created = await createBundle(store, { since: [lastExported] });
 *   await writeAll(file, created.chunks);
 *   const result = await importBundle(otherStore, fileChunks, { source: file, limits: { inflate } });
 *   for (const u of result.updates) console.log(u.ref, u.status, u.reason ?? '');
 */
import git from 'isomorphic-git';
import { StellaError } from '../errors.js';
import { checkRefName, escapeForDisplay, formatBundleHeader, type BundleHeader, type BundleRef } from './bundle-format.js';
import { walkObjects, type Inflate, type ObjectSource } from './object-walk.js';
import { ParallelPacker } from './parallel-pack.js';

// The import side lives in its own module; this one is the place to get both from.
export { importBundle, type ImportBundleOptions, type ImportResult, type RefUpdate, type RefUpdateStatus } from './bundle-import.js';

export interface CreateBundleOptions {
  /** Full ref names to carry; default: every branch (`refs/heads/*`). */
  refs?: readonly string[];
  /** Commits the receiver already has: their history is left out. */
  since?: readonly string[];
  /** `packObjects` calls in flight; default 8. */
  concurrency?: number;
  /** A synchronous zlib inflater for the walk (see `WalkRequest.inflate`). */
  inflate?: Inflate;
}

export interface CreatedBundle {
  header: BundleHeader;
  /** The bundle's bytes: write them in order (header, then pack). */
  chunks: Uint8Array[];
  counts: { commits: number; tags: number; trees: number; blobs: number };
  /** Refs left out because everything behind them is already in `since` (as `git bundle create` does). */
  omitted: BundleRef[];
}

/**
 * Builds a v2 bundle of `refs` (default: all branches). Throws USAGE when
 * there is nothing to export, REPO_INVALID when the history is incomplete.
 *
 * @example
 *   const full = await createBundle(store);
 *   const incremental = await createBundle(store, { since: [await resolveCommitish(store, 'main~10')] });
 */
export async function createBundle(store: ObjectSource, options: CreateBundleOptions = {}): Promise<CreatedBundle> {
  const refs = await resolveRefs(store, options.refs);
  if (refs.length === 0) throw new StellaError('USAGE', `${store.gitdir}: no branches to export`);
  const packer = new ParallelPacker(store, options.concurrency === undefined ? {} : { concurrency: options.concurrency });
  const walk = await walkObjects(store, {
    include: refs.map((r) => r.oid),
    exclude: options.since ?? [],
    onObjects: (oids) => packer.add(oids),
    ...(options.inflate === undefined ? {} : { inflate: options.inflate }),
  });
  const left = new Set(walk.excludedTips);
  const kept = refs.filter((ref) => !left.has(ref.oid));
  const omitted = refs.filter((ref) => left.has(ref.oid));
  if (kept.length === 0) {
    throw new StellaError('USAGE', `nothing to export: every branch (${refs.map((r) => r.name).join(', ')}) is already contained in the 'since' commits`);
  }
  const prerequisites = await Promise.all(walk.boundary.map(async (oid) => ({ oid, comment: await subject(store, oid) })));
  const header: BundleHeader = { prerequisites, refs: kept, head: await checkedOut(store, kept) };
  const pack = await packer.finish();
  return {
    header,
    chunks: [formatBundleHeader(header), pack],
    counts: { commits: walk.commits.length, tags: walk.tags.length, trees: walk.trees.length, blobs: walk.blobs.length },
    omitted,
  };
}

async function resolveRefs(store: ObjectSource, names: readonly string[] | undefined): Promise<BundleRef[]> {
  const wanted = names ?? (await git.listBranches({ fs: store.fs, gitdir: store.gitdir })).map((b) => `refs/heads/${b}`);
  const refs: BundleRef[] = [];
  for (const name of [...new Set(wanted)].sort()) {
    const problem = checkRefName(name);
    if (problem !== undefined) throw new StellaError('USAGE', `cannot export ref ${escapeForDisplay(name)}: ${problem}`);
    const oid = await git.resolveRef({ fs: store.fs, gitdir: store.gitdir, ref: name }).catch((cause: unknown) => {
      throw new StellaError('NOT_FOUND', `ref ${name} does not exist in ${store.gitdir}`, { cause });
    });
    refs.push({ name, oid });
  }
  return refs;
}

async function subject(store: ObjectSource, oid: string): Promise<string> {
  const { commit } = await git.readCommit({ fs: store.fs, gitdir: store.gitdir, oid, cache: store.cache });
  return commit.message.split('\n', 1)[0] ?? '';
}

/** The tip of the checked-out branch when it is exported, so `git clone FILE` checks it out. */
async function checkedOut(store: ObjectSource, refs: readonly BundleRef[]): Promise<string | undefined> {
  const head = await git.currentBranch({ fs: store.fs, gitdir: store.gitdir, fullname: true }).catch(() => undefined);
  return refs.find((ref) => ref.name === head)?.oid;
}

/**
 * A ref name, an abbreviated or full commit id, or an annotated tag, as the
 * commit it names; `~N` and `^` suffixes step back along first parents.
 * Throws NOT_FOUND when it names nothing here.
 *
 * @example await resolveCommitish(store, 'main~3') // '5f1c…'
 */
export async function resolveCommitish(store: ObjectSource, spec: string): Promise<string> {
  const [, name = spec, suffix = ''] = /^(.+?)((?:~\d*|\^1?)*)$/.exec(spec) ?? [];
  let oid = await peelToCommit(store, name, spec);
  for (const step of suffix.match(/~\d*|\^1?/g) ?? []) {
    const count = step.startsWith('~') ? Number(step.slice(1) || '1') : 1;
    for (let i = 0; i < count; i++) {
      const { commit } = await git.readCommit({ fs: store.fs, gitdir: store.gitdir, oid, cache: store.cache });
      const parent = commit.parent[0];
      if (parent === undefined) throw new StellaError('NOT_FOUND', `'${escapeForDisplay(spec)}': ${oid.slice(0, 12)} has no parent`);
      oid = parent;
    }
  }
  return oid;
}

async function peelToCommit(store: ObjectSource, name: string, spec: string): Promise<string> {
  const { fs, gitdir } = store;
  let oid = await git.resolveRef({ fs, gitdir, ref: name }).catch(() => undefined);
  if (oid === undefined && /^[0-9a-fA-F]{4,40}$/.test(name)) {
    oid = await git.expandOid({ fs, gitdir, oid: name.toLowerCase(), cache: store.cache }).catch(() => undefined);
  }
  if (oid === undefined) throw new StellaError('NOT_FOUND', `'${escapeForDisplay(spec)}' is neither a ref nor a commit in ${gitdir}`);
  for (let depth = 0; depth < 16; depth++) {
    const object = await git.readObject({ fs, gitdir, oid, cache: store.cache }).catch(() => undefined);
    if (object === undefined) throw new StellaError('NOT_FOUND', `'${escapeForDisplay(spec)}' names ${oid}, which is not in ${gitdir}`);
    if (object.type === 'commit') return oid;
    if (object.type !== 'tag') throw new StellaError('USAGE', `'${escapeForDisplay(spec)}' names a ${object.type}, not a commit`);
    const { tag } = await git.readTag({ fs, gitdir, oid, cache: store.cache });
    oid = tag.object;
  }
  throw new StellaError('REPO_INVALID', `'${escapeForDisplay(spec)}': tags nested more than 16 deep`);
}
