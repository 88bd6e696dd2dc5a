/**
 * The state repository as the Worker sees it: a Git remote reached over
 * `fetch` (smart HTTP), mirrored into an in-memory object store — only the
 * branches asked for — so core/ can read, verify and commit as it would on
 * disk, then push one commit back as a compare-and-swap.
 *
 * Small on purpose: `sync` (bring branch tips), `push` (send one new commit
 * on a branch whose remote tip we know), `trim` (drop what the remote holds
 * and no round reads again) and `reset` (start over from the remote). The
 * ingest Durable Object and the read side (`serve/mirror.ts`) build on it;
 * only the ingest mirror trims.
 *
 * Memory: a Durable Object has 128 MiB, and report files (SBOMs of hundreds
 * of kilobytes) would fill it within a few hundred reports if the mirror
 * kept what it fetched and wrote. After each accepted push the committer
 * trims the mirror to what a round reads (see `trim`): every commit, the
 * root and `trust/` trees of every commit (the trust root chain is walked
 * through them), the tips' trees along the paths a round opens, and the
 * tips' blobs there (the trust root, the bundles the sequence check opens).
 * Every other object is on the remote and is dropped. A read of a dropped
 * object fails (never answers "absent, so fine"), and the committer then
 * starts the mirror over from the remote and judges again (`reset`).
 *
 * @example
 *   const remote = new StateRemote({ transport: webTransport, url });
 *   const tips = await remote.sync(['main', 'agents/edge-1']);
 *   const { oid } = await remote.store.commit({ branch: 'agents/edge-1', startFrom: 'main', changes, message, author });
 *   const outcome = await remote.push('agents/edge-1', tips.get('agents/edge-1'), tips.get('main'), oid);
 */
import { StellaError } from '../../core/errors.js';
import { fetchPack } from '../../core/git/fetch-pack.js';
import { GitStore } from '../../core/git/git-store.js';
import { commitsNotIn } from '../../core/git/history.js';
import { parsePackIndex } from '../../core/git/pack-file.js';
import { PackedReader } from '../../core/git/packed-reader.js';
import { MAX_OBJECT_BYTES } from '../../core/git/pack-limits.js';
import { buildPack, sendPack, ZERO_OID, type SendOutcome } from '../../core/git/send-pack.js';
import { discoverRefs, type Endpoint } from '../../core/git/smart-http.js';
import { newObjects } from '../../core/git/tree-diff.js';
import { storeFsOps } from '../../core/git/store-fs.js';
import { unwrapLoose } from '../../core/git/store-objects.js';
import { initRepository } from '../../core/git/work-index.js';
import { fflatePackLimits as workerPackLimits } from '../../core/git/measured-inflate.js';
import { threadTurn } from '../thread-turn.js';
import { writeLooseFile, wrapObject } from '../../core/git/object-write.js';
import { memoryFs, memoryPackFiles, type MemoryFs } from './memory-fs.js';

/** Where the mirror lives inside its in-memory filesystem (nothing is ever checked out). */
const DIR = '/state';

/** Decoded objects a mirror keeps (a Worker has 128 MiB; the branches' working set is far smaller). */
const OBJECT_CACHE_BYTES = 24 << 20;

/**
 * Pack entries smaller than this go as stored zlib blocks: compressing a
 * report's small files in JavaScript cost the Worker a tenth of its CPU
 * under load (mostly the deflater's set-up per object), for a few kilobytes
 * less on the wire per report.
 */
const STORED_BELOW_BYTES = 8 << 10;

/** The remote's tip of each branch asked for (undefined: the branch does not exist there). */
export type BranchTips = Map<string, string | undefined>;

/**
 * Which paths of a tip's tree `trim` keeps, from the root (''): a tree whose
 * path `tree` accepts is kept and walked into, a blob whose path `blob`
 * accepts is kept. The root tree is always kept.
 */
export interface KeptPaths {
  tree(path: string): boolean;
  blob(path: string): boolean;
}

/** Objects `trim` looks at between two turns of the event loop. */
const TRIM_OBJECTS_PER_TURN = 64;

/** The folder every commit's trust root lives in: its tree is kept for every commit (see `trim`). */
const TRUST_DIR = 'trust';

export class StateRemote {
  private fs: MemoryFs;
  private current: GitStore;
  private ready: Promise<void> | undefined;
  private receiveCapabilities: Set<string> | undefined;
  /** Whether `trim` ran since the mirror last started over: then it may no longer hold all its tips reach. */
  private trimmedSince = false;
  /** Loose commits `trim` has seen (kept for good, so not read again), and the root and trust trees of every commit. */
  private readonly seenCommits = new Set<string>();
  private readonly historyTrees = new Set<string>();

  constructor(readonly endpoint: Endpoint) {
    ({ fs: this.fs, store: this.current } = freshMirror());
  }

  /** The mirror's object store (a new one after `reset`). */
  get store(): GitStore {
    return this.current;
  }

  /** Bytes the mirror's files hold: objects, packs, refs (the decoded-object cache is bounded apart: OBJECT_CACHE_BYTES). */
  heldBytes(): number {
    return this.fs.heldBytes();
  }

  /** True when `trim` ran since the mirror last started over: a failed read may be of an object it dropped. */
  get trimmed(): boolean {
    return this.trimmedSince;
  }

  /**
   * Starts the mirror over, empty: the next `sync` fetches the branches'
   * histories whole. For the one case `trim` cannot rule out — a check
   * that read an object dropped earlier — so that the check is made again
   * with everything there.
   * @example if (remote.trimmed) { remote.reset(); tips = await remote.sync(branches); }
   */
  reset(): void {
    ({ fs: this.fs, store: this.current } = freshMirror());
    this.ready = undefined;
    this.trimmedSince = false;
    this.seenCommits.clear();
    this.historyTrees.clear();
  }

  /**
   * Fetches what the mirror lacks of each branch's remote tip (as haves: the
   * tips it already holds) and points the local branches at the remote tips.
   * `branches` names them, or picks them from what the remote advertises.
   * @example const tips = await remote.sync(['main']); tips.get('main')
   */
  async sync(branches: readonly string[] | ((name: string) => boolean)): Promise<BranchTips> {
    // One store throughout: a `reset` meanwhile (the committer's) leaves this sync on the mirror it began on.
    const store = this.store;
    await this.init();
    const advertised = await discoverRefs(this.endpoint.transport, this.endpoint.url, 'upload-pack');
    const tips: BranchTips = new Map();
    if (typeof branches === 'function') {
      const names = [...advertised.refs.keys()].filter((ref) => ref.startsWith('refs/heads/')).map((ref) => ref.slice('refs/heads/'.length));
      branches = names.filter(branches).sort();
    }
    for (const branch of branches) {
      const tip = advertised.refs.get(`refs/heads/${branch}`);
      tips.set(branch, tip);
      if (tip === undefined) {
        await store.deleteRef(`refs/heads/${branch}`);
        continue;
      }
      if (!(await store.hasCommit(tip))) {
        const haves = await localTips(store);
        // Once trimmed, a thin pack's delta could rest on a dropped object: ask for a whole one.
        await fetchPack(this.endpoint, store, { want: tip, haves, capabilities: advertised.capabilities, limits: workerPackLimits, thin: !this.trimmedSince, where: `${this.endpoint.url} ${branch}` });
      }
      await store.writeRef(`refs/heads/${branch}`, tip);
    }
    return tips;
  }

  /**
   * Sends the commits from `known` (a commit the remote has) to `tip` to
   * `branch`, which must still be at `remoteTip` there (undefined: must not
   * exist yet). `rejected` means someone moved the branch meanwhile: sync and retry.
   * @example if ((await remote.push(branch, before, before ?? mainTip, tip)).status === 'rejected') …
   */
  async push(branch: string, remoteTip: string | undefined, known: string | undefined, tip: string): Promise<SendOutcome> {
    const store = this.store;
    const capabilities = await this.capabilities();
    const objects: { oid: string; base?: string }[] = [];
    for (const commit of await commitsNotIn(store, [tip], known === undefined ? [] : [known])) {
      objects.push({ oid: commit.oid });
      const parent = commit.parents[0];
      // The parent's objects are on the remote or in this pack: its versions of changed paths are safe delta bases.
      const parentTree = parent === undefined ? undefined : (await store.readCommit(parent)).tree;
      // A base dropped by `trim` (an older report file) cannot be read: that object goes whole.
      for (const object of await newObjects(store, parentTree, commit.tree)) {
        const { base, ...whole } = object;
        objects.push(base === undefined || (await store.objects.has(base)) ? object : whole);
      }
    }
    // Built in slices with turns of the event loop between them: accepts share this thread.
    const pack = await buildPack(store, objects, capabilities, { storedBelow: STORED_BELOW_BYTES, pause: threadTurn });
    return sendPack(this.endpoint, { ref: `refs/heads/${branch}`, oldOid: remoteTip ?? ZERO_OID, newOid: tip }, pack, capabilities);
  }

  /**
   * Drops every object the remote holds that no round reads again, once a
   * push has landed (`tips`: where main and the branch now are, all on the
   * remote). Kept: every commit; the root tree and `trust/` tree of every
   * commit (admission walks the trust root chain through them, and a merge
   * into main brings older commits of the branch to judge); the tips' trees
   * and blobs on the paths `kept` names. Fetched packs are taken apart
   * into loose objects and deleted. What is left does not grow with the
   * reports ingested: a tip's paths hold one version of each file.
   * @example await remote.trim([mainTip, branchTip], { tree: (p) => …, blob: (p) => … });
   */
  async trim(tips: readonly string[], kept: KeptPaths): Promise<void> {
    const store = this.store;
    const ops = storeFsOps(store.fs);
    const keep = new Set<string>();
    for (const tip of tips) await this.keepPaths(store, (await store.readCommit(tip)).tree, '', kept, keep);
    // From here on a sync (an accept's, meanwhile) must not ask for a pack thinned against what goes now.
    this.trimmedSince = true;
    let visited = 0;
    // Accepts share this thread: a turn of the event loop every so many objects.
    const turn = async (): Promise<void> => {
      if (++visited % TRIM_OBJECTS_PER_TURN === 0) await threadTurn();
    };
    // Commits first, in both passes: they name the history trees to keep, which may sort before them.
    const packDir = `${store.gitdir}/objects/pack`;
    const packs = (await ops.readdir(packDir).catch(() => [] as string[])).filter((name) => name.endsWith('.idx'));
    if (packs.length > 0) {
      // Its own reader: reading every packed object through the store would push the rounds' trees out of its cache.
      const reader = new PackedReader({ ops, gitdir: store.gitdir, open: memoryPackFiles(this.fs), inflaters: workerPackLimits });
      try {
        const others: string[] = [];
        for (const idx of packs) {
          for (const oid of parsePackIndex(await ops.readFile(`${packDir}/${idx}`), idx).oids) {
            await turn();
            const object = await reader.read(oid);
            if (object?.type !== 'commit') others.push(oid);
            else {
              await this.keepCommit(store, oid);
              await writeLooseFile(store, oid, wrapObject(object.type, object.data));
            }
          }
        }
        for (const oid of others) {
          await turn();
          const object = keep.has(oid) || this.historyTrees.has(oid) ? await reader.read(oid) : undefined;
          if (object !== undefined) await writeLooseFile(store, oid, wrapObject(object.type, object.data));
          else store.objects.forget(oid);
        }
      } finally {
        await reader.close();
      }
      for (const idx of packs) {
        const base = `${packDir}/${idx.slice(0, -'.idx'.length)}`;
        await ops.unlink(`${base}.idx`);
        await ops.unlink(`${base}.pack`).catch(() => undefined);
      }
      // The store's reader still holds the deleted packs open: it lists objects/pack again when next asked.
      await store.objects.close();
    }
    const others: string[] = [];
    for (const folder of await ops.readdir(`${store.gitdir}/objects`)) {
      if (!/^[0-9a-f]{2}$/.test(folder)) continue;
      for (const name of await ops.readdir(`${store.gitdir}/objects/${folder}`)) {
        const oid = `${folder}${name}`;
        if (this.seenCommits.has(oid) || keep.has(oid) || this.historyTrees.has(oid)) continue;
        await turn();
        if (looseType(oid, await ops.readFile(`${store.gitdir}/objects/${folder}/${name}`)) === 'commit') await this.keepCommit(store, oid);
        else others.push(oid);
      }
    }
    for (const oid of others) {
      if (keep.has(oid) || this.historyTrees.has(oid)) continue;
      await ops.unlink(`${store.gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`);
      store.objects.forget(oid);
    }
  }

  /** Notes a commit (kept for good) and its root and trust trees, which every walk of the trust root chain reads. */
  private async keepCommit(store: GitStore, oid: string): Promise<void> {
    if (this.seenCommits.has(oid)) return;
    this.seenCommits.add(oid);
    const tree = (await store.readCommit(oid)).tree;
    this.historyTrees.add(tree);
    const trust = (await store.readTree(tree)).find((entry) => entry.path === TRUST_DIR && entry.type === 'tree');
    if (trust !== undefined) this.historyTrees.add(trust.oid);
  }

  /**
   * Adds the tree `oid` at `path` and what `kept` names below it to `keep`.
   * A tree not held is skipped: a tip may point into history the mirror
   * dropped (main merging an older tip of the branch; the remote sends only
   * what the tips we have do not reach), and what is not held cannot be
   * kept — a round that reads it fails and starts the mirror over.
   */
  private async keepPaths(store: GitStore, oid: string, path: string, kept: KeptPaths, keep: Set<string>): Promise<void> {
    if (!(await store.objects.has(oid))) return;
    keep.add(oid);
    for (const entry of await store.readTree(oid)) {
      const below = path === '' ? entry.path : `${path}/${entry.path}`;
      if (entry.type === 'tree' && kept.tree(below)) await this.keepPaths(store, entry.oid, below, kept, keep);
      else if (entry.type === 'blob' && kept.blob(below)) keep.add(entry.oid);
    }
  }

  private async capabilities(): Promise<Set<string>> {
    if (this.receiveCapabilities !== undefined) return this.receiveCapabilities;
    const { capabilities } = await discoverRefs(this.endpoint.transport, this.endpoint.url, 'receive-pack');
    if (!capabilities.has('report-status')) throw new StellaError('REPO_INVALID', `state remote ${this.endpoint.url} does not report push status`);
    this.receiveCapabilities = capabilities;
    return capabilities;
  }

  private init(): Promise<void> {
    const ready =
      this.ready ??
      initRepository({ fs: this.store.fs, dir: DIR }, 'main').then(async () => {
        // Every ref lookup reads packed-refs first; an empty one answers that at once, where a missing one is an error each time.
        await storeFsOps(this.store.fs).writeFile(`${this.store.gitdir}/packed-refs`, new Uint8Array(0));
      });
    this.ready = ready;
    return ready;
  }
}

/** The tips of the store's local branches (the haves of a fetch). */
async function localTips(store: GitStore): Promise<string[]> {
  const tips: string[] = [];
  for (const name of await store.listBranches()) {
    const tip = await store.branchTip(name);
    if (tip !== undefined) tips.push(tip);
  }
  return tips;
}

/** An empty in-memory repository's filesystem and store (nothing is fetched until `sync`). */
function freshMirror(): { fs: MemoryFs; store: GitStore } {
  const fs = memoryFs();
  // Our pack reader, not isomorphic-git's, and objects kept decoded: every round reads the same trees.
  const store = new GitStore({ fs, dir: DIR, files: { open: memoryPackFiles(fs), inflaters: workerPackLimits, cacheBytes: OBJECT_CACHE_BYTES, uncompressedLoose: true } });
  return { fs, store };
}

/**
 * The type of a loose object of the mirror. Its loose objects are stored
 * zlib blocks (a 2-byte zlib header, a 5-byte block header, then the
 * object as is), so the type is read in place; anything else is inflated.
 */
function looseType(oid: string, file: Uint8Array): string {
  const stored = file.length > 7 && ((file[2] as number) & 0x06) === 0;
  if (stored) {
    const space = file.indexOf(0x20, 7);
    if (space > 7 && space < 7 + 8) return new TextDecoder().decode(file.subarray(7, space));
  }
  return unwrapLoose(oid, workerPackLimits.inflate(file, MAX_OBJECT_BYTES + 32).data).type;
}
