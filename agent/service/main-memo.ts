/**
 * What a warm rescan takes from memory instead of the state repository:
 * for the commit main is at, each inventory's match against the feeds and
 * the policy in force (with its exceptions). Both are what `stella scan`
 * would compute from that commit — the same components matched against the
 * same feeds give the same findings — so reports stay the CLI's bytes, while
 * a rescan of an unchanged image skips opening the advisory index, reading
 * it and checking the policy's signatures again.
 *
 * Main moving (a pull, a feed or policy import by the CLI) starts afresh:
 * the tip is read for every scan. The policy is also reloaded after a
 * minute, because signatures and trust roots are judged at a moment in
 * time. Matches are kept as JSON (a fresh copy per use, nothing shared to
 * mutate), bounded in bytes, the least recently used dropped first.
 *
 * @example
 *   const memo = new MainMemo(repo);
 *   await scanTarget(target, { repo, ...(await memo.forScan()) });
 *   await memo.close(); // the policy engine (an OPA pack's worker thread)
 */
import { createHash } from 'node:crypto';
import type { ReportComponent } from '../../core/model/report.js';
import { LruBook } from '../cache/lru.js';
import type { ScanPolicy } from '../policy/for-scan.js';
import { MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import type { RepoMatch, RepoMatcher } from '../scan/match-repo.js';
import type { ScanOptions } from '../scan/scan.js';

/** Bytes of match JSON kept: a few hundred targets of an ordinary size. */
const MATCH_BYTES = 8 << 20;
/** How long a loaded policy is trusted before its signatures are checked again. */
const POLICY_TTL_MS = 60_000;

type LoadedPolicy = { policy: ScanPolicy | undefined; at: number };

/** See the module comment. */
export class MainMemo {
  private tip: string | undefined;
  private matches = new Map<string, string>();
  private book = new LruBook(MATCH_BYTES);
  private loaded: Promise<LoadedPolicy> | undefined;

  constructor(
    private readonly repo: StateRepo,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Options for one scan against main as it is now; none when there is no main (the scan reports that itself). */
  async forScan(): Promise<Pick<ScanOptions, 'openMatcher' | 'policy'>> {
    // Read for every scan: a loose ref file read (core/git/plain-read.ts), not the Git library's lookup.
    const tip = await this.repo.store.branchTip(MAIN_BRANCH);
    if (tip === undefined) return {};
    if (tip !== this.tip) await this.reset(tip);
    const { policy } = await this.policy();
    return {
      openMatcher: (repo) => this.openMatcher(repo, tip),
      // A fresh moment per scan, as policyForScan gives: exceptions expire by the clock, not by the load.
      policy: policy === undefined ? 'none' : { ...policy, now: new Date(this.clock()) },
    };
  }

  /** Matches kept now: entries and bytes (for tests and the bench). */
  stats(): { entries: number; bytes: number } {
    return { entries: this.book.size, bytes: this.book.bytes };
  }

  /** Closes the policy engine held. */
  async close(): Promise<void> {
    await this.reset(undefined);
  }

  private async reset(tip: string | undefined): Promise<void> {
    this.tip = tip;
    this.matches = new Map();
    this.book = new LruBook(MATCH_BYTES);
    await this.dropPolicy();
  }

  private async policy(): Promise<LoadedPolicy> {
    const current = this.loaded === undefined ? undefined : await this.loaded.catch(() => undefined);
    if (current !== undefined && this.clock() - current.at < POLICY_TTL_MS) return current;
    await this.dropPolicy();
    const at = this.clock();
    const loading = import('../policy/for-scan.js').then(async ({ policyForScan }) => ({ policy: await policyForScan({ repo: this.repo, now: new Date(at) }), at }));
    this.loaded = loading;
    // A policy that failed to load fails this scan, as it would the CLI's, and is tried again by the next.
    loading.catch(() => {
      if (this.loaded === loading) this.loaded = undefined;
    });
    return loading;
  }

  private async dropPolicy(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    const old = loaded === undefined ? undefined : await loaded.catch(() => undefined);
    await old?.policy?.engine.close?.();
  }

  /** A matcher answering known inventories from memory; the index is opened only for an inventory not seen at this commit. */
  private async openMatcher(repo: StateRepo, tip: string): Promise<RepoMatcher> {
    const feed = { commit: tip, tree: (await repo.store.listFolder(tip, '')).find((entry) => entry.path === 'feeds')?.oid ?? 'none' };
    let real: RepoMatcher | undefined;
    return {
      feed,
      match: async (components) => {
        const key = inventoryKey(components);
        const known = this.tip === tip ? this.matches.get(key) : undefined;
        if (known !== undefined) {
          this.book.touch(key, known.length);
          return JSON.parse(known) as RepoMatch;
        }
        real ??= await (await import('../scan/match-repo.js')).openRepoMatcher(repo);
        const matched = await real.match(components);
        // Kept only when it is the match at `tip`: main may have moved while the index was opened.
        if (this.tip === tip && matched.feed?.commit === tip) this.remember(key, JSON.stringify(matched));
        return matched;
      },
      close: async () => {
        await real?.close();
      },
    };
  }

  private remember(key: string, json: string): void {
    if (json.length > MATCH_BYTES) return;
    this.matches.set(key, json);
    this.book.touch(key, json.length);
    for (const evicted of this.book.overflow()) this.matches.delete(evicted);
  }
}

/** The components as matched: equal JSON, equal query, equal findings. */
function inventoryKey(components: readonly ReportComponent[]): string {
  return createHash('sha256').update(JSON.stringify(components)).digest('hex');
}
