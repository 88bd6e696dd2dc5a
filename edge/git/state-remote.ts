/**
 * The state repository as the Worker sees it: a Git remote reached over
 * `fetch` (smart HTTP), mirrored into an in-memory object store — only the
 * branches asked for — so core/ can read, verify and commit as it would on
 * disk, then push one commit back as a compare-and-swap.
 *
 * Small on purpose: `sync` (bring branch tips), `push` (send one new commit
 * on a branch whose remote tip we know). The ingest Durable Object and the
 * enrollment code both build on it.
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
import { buildPack, sendPack, ZERO_OID, type SendOutcome } from '../../core/git/send-pack.js';
import { discoverRefs, type Endpoint } from '../../core/git/smart-http.js';
import { newObjects } from '../../core/git/tree-diff.js';
import { storeFsOps } from '../../core/git/store-fs.js';
import { initRepository } from '../../core/git/work-index.js';
import { fflatePackLimits as workerPackLimits } from '../../core/git/measured-inflate.js';
import { threadTurn } from '../thread-turn.js';
import { memoryFs, memoryPackFiles } from './memory-fs.js';

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

export class StateRemote {
  readonly store: GitStore;
  private ready: Promise<void> | undefined;
  private receiveCapabilities: Set<string> | undefined;

  constructor(readonly endpoint: Endpoint) {
    const fs = memoryFs();
    // Our pack reader, not isomorphic-git's, and objects kept decoded: every round reads the same trees.
    this.store = new GitStore({ fs, dir: DIR, files: { open: memoryPackFiles(fs), inflaters: workerPackLimits, cacheBytes: OBJECT_CACHE_BYTES, uncompressedLoose: true } });
  }

  /**
   * Fetches what the mirror lacks of each branch's remote tip (as haves: the
   * tips it already holds) and points the local branches at the remote tips.
   * `branches` names them, or picks them from what the remote advertises.
   * @example const tips = await remote.sync(['main']); tips.get('main')
   */
  async sync(branches: readonly string[] | ((name: string) => boolean)): Promise<BranchTips> {
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
        await this.store.deleteRef(`refs/heads/${branch}`);
        continue;
      }
      if (!(await this.store.hasCommit(tip))) {
        const haves = await this.localTips();
        await fetchPack(this.endpoint, this.store, { want: tip, haves, capabilities: advertised.capabilities, limits: workerPackLimits, where: `${this.endpoint.url} ${branch}` });
      }
      await this.store.writeRef(`refs/heads/${branch}`, tip);
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
    const capabilities = await this.capabilities();
    const objects: { oid: string; base?: string }[] = [];
    for (const commit of await commitsNotIn(this.store, [tip], known === undefined ? [] : [known])) {
      objects.push({ oid: commit.oid });
      const parent = commit.parents[0];
      // The parent's objects are on the remote or in this pack: its versions of changed paths are safe delta bases.
      const parentTree = parent === undefined ? undefined : (await this.store.readCommit(parent)).tree;
      objects.push(...(await newObjects(this.store, parentTree, commit.tree)));
    }
    // Built in slices with turns of the event loop between them: accepts share this thread.
    const pack = await buildPack(this.store, objects, capabilities, { storedBelow: STORED_BELOW_BYTES, pause: threadTurn });
    return sendPack(this.endpoint, { ref: `refs/heads/${branch}`, oldOid: remoteTip ?? ZERO_OID, newOid: tip }, pack, capabilities);
  }

  private async capabilities(): Promise<Set<string>> {
    if (this.receiveCapabilities !== undefined) return this.receiveCapabilities;
    const { capabilities } = await discoverRefs(this.endpoint.transport, this.endpoint.url, 'receive-pack');
    if (!capabilities.has('report-status')) throw new StellaError('REPO_INVALID', `state remote ${this.endpoint.url} does not report push status`);
    this.receiveCapabilities = capabilities;
    return capabilities;
  }

  private async localTips(): Promise<string[]> {
    const tips: string[] = [];
    for (const name of await this.store.listBranches()) {
      const tip = await this.store.branchTip(name);
      if (tip !== undefined) tips.push(tip);
    }
    return tips;
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
