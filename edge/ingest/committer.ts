/**
 * Turns a node's verified reports into commits on `agents/<node>` — as few
 * as possible. Reports arriving while a commit is being made and pushed
 * wait in a queue; the next round takes all of them into one commit. So a
 * burst from one node costs a handful of commits, not one per report.
 *
 * Each round: sync main and the node's branch from the remote (not right
 * after our own successful push while that sync is under 5 s old: the
 * push told us the branch's tip), write every queued folder (a folder's
 * stray files deleted, as the agent does), run the admission check every
 * ref move passes (`core/admission`), and push as a compare-and-swap on
 * the branch's remote tip. Someone else moving the branch meanwhile costs
 * a retry, never a lost report. Once the push lands, the mirror drops what
 * the remote now holds and no round reads again (`StateRemote.trim`: report
 * files, older trees); a round that fails while the mirror is trimmed is
 * tried once more on a mirror started over from the remote, so no check
 * is ever judged on a missing object. Two reports of one target in one round go
 * into consecutive commits, so history holds each of them. A round gives
 * the event loop back between its steps: every node's object shares the
 * isolate's one thread, and accepts must not wait behind a commit.
 *
 * @example
 *   const committer = new Committer(remote, 'edge-1', (outcome) => record(outcome));
 *   committer.enqueue(verifiedReport);
 */
import { admitRefMove } from '../../core/admission/admit.js';
import { describeError } from '../../core/errors.js';
import type { SignatureMemo } from '../../core/sign/signature-memo.js';
import { writeObject } from '../../core/git/object-write.js';
import { agentBranch, BUNDLE_FILE, FINDINGS_DIR, RETIREMENT_FILE } from '../../core/report/layout.js';
import { ROOT_PATH } from '../../core/trust/root.js';
import type { KeptPaths, StateRemote } from '../git/state-remote.js';
import { threadTurn } from '../thread-turn.js';
import type { VerifiedReport } from './verify.js';

/** Branch tips as a sync (at `syncedAt`, ms) and our pushes since left them. */
type KnownTips = Map<string, string | undefined> & { syncedAt: number };

/** What became of a batch of reports. */
export type BatchOutcome = { $case: 'committed'; digests: string[]; commit: string } | { $case: 'failed'; digests: string[]; reason: string };

/** Most reports in one commit (a bound on the time one round takes). */
const MAX_BATCH = 200;
/** Pushes tried before a batch is given up (each after the first follows a fresh sync). */
const PUSH_ATTEMPTS = 4;
/**
 * A round right after a successful push skips the sync (one request and a
 * server-side process less per round) while that sync is younger than this (ms).
 */
const MAX_STALE_MS = 5_000;
/**
 * How a round gathers reports before it starts (ms): it waits GATHER_MIN_MS,
 * then goes on waiting while reports keep arriving — until none came for
 * QUIET_MS, or GATHER_MAX_MS passed (both jittered by ±50 %, so nodes busy
 * together do not push together). A commit and its push cost about the same for one
 * report or a hundred (the remote runs several processes per push), so a
 * burst becomes one round once it ends, and a steady stream one round per
 * GATHER_MAX_MS, leaving the thread and the machine to the accepts.
 */
const GATHER_MIN_MS = 250;
const QUIET_MS = 100;
const GATHER_MAX_MS = 3_000;

export class Committer {
  private readonly queue: VerifiedReport[] = [];
  /** Digests queued or being committed by this instance. */
  private readonly pending = new Set<string>();
  private running: Promise<void> | undefined;
  /** Commits made (for the read API and the benchmark). */
  commits = 0;
  private known: KnownTips | undefined;

  constructor(
    private readonly remote: StateRemote,
    private readonly node: string,
    private readonly onOutcome: (outcome: BatchOutcome) => Promise<void>,
    /** The signatures the accepts verified: admission checks the same bytes under the same keys again at the cost of a hash. */
    private readonly signatures?: SignatureMemo,
  ) {}

  /** Queues a verified report; the commit follows within one round. */
  enqueue(report: VerifiedReport): void {
    this.queue.push(report);
    this.pending.add(report.digest);
    if (this.running === undefined) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }
  }

  /** Whether this instance still holds the report (queued or in a round). */
  has(digest: string): boolean {
    return this.pending.has(digest);
  }

  /** Resolves once the queue is empty and no round runs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      await this.gather();
      const batch = this.queue.splice(0, MAX_BATCH);
      const digests = batch.map((r) => r.digest);
      try {
        const commit = await this.commitBatch(batch);
        this.commits += 1;
        await this.onOutcome({ $case: 'committed', digests, commit });
      } catch (error) {
        await this.onOutcome({ $case: 'failed', digests, reason: describeError(error) });
      } finally {
        for (const digest of digests) this.pending.delete(digest);
      }
    }
  }

  /** Lets more reports join the next round (see GATHER_MIN_MS). */
  private async gather(): Promise<void> {
    const deadline = Date.now() + GATHER_MAX_MS * jitter();
    await pause(GATHER_MIN_MS * jitter());
    for (let seen = this.queue.length; seen < MAX_BATCH && Date.now() < deadline; seen = this.queue.length) {
      await pause(QUIET_MS);
      if (this.queue.length === seen) return;
    }
  }

  private async commitBatch(batch: readonly VerifiedReport[]): Promise<string> {
    const branch = agentBranch(this.node);
    let lastReason = '';
    let sent: string | undefined;
    let restarted = false;
    for (let attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
      const known = this.takeKnownTips();
      const tips = known ?? (await this.remote.sync(['main', branch]));
      const syncedAt = known?.syncedAt ?? Date.now();
      const main = tips.get('main');
      const remoteTip = tips.get(branch);
      // A push whose answer was lost may have landed: then it is done.
      if (sent !== undefined && remoteTip === sent) return sent;
      const base = remoteTip ?? main;
      let tip = base;
      try {
        // Between steps the thread goes back to the event loop: the in-memory store answers without any I/O,
        // so a round would otherwise hold every accept of every node until its push.
        for (const round of rounds(batch)) {
          await threadTurn();
          tip = await this.commitRound(branch, tip, round);
        }
        if (tip === undefined || tip === base) throw new Error('nothing to commit');
        await threadTurn();
        await admitRefMove(this.remote.store, { ref: `refs/heads/${branch}`, from: remoteTip, to: tip }, {
          trust: main,
          source: 'edge ingest',
          pause: threadTurn,
          ...(this.signatures === undefined ? {} : { signatures: this.signatures }),
        });
      } catch (error) {
        // A trimmed mirror may have dropped an object this round read after all (a merge into main, a branch
        // made anew): a missing object fails a check, never passes it. Judge again with everything there;
        // a refusal then is the repository's own. Nothing was pushed, so nothing is committed meanwhile.
        if (restarted || !this.remote.trimmed) throw error;
        restarted = true;
        this.remote.reset();
        // Starting over is not a push attempt.
        attempt -= 1;
        continue;
      }
      await threadTurn();
      sent = tip;
      try {
        const outcome = await this.remote.push(branch, remoteTip, base, tip);
        if (outcome.status === 'ok') {
          this.known = Object.assign(new Map([['main', main], [branch, tip]]), { syncedAt });
          await this.trimMirror(main, tip);
          return tip;
        }
        lastReason = outcome.reason;
      } catch (error) {
        lastReason = describeError(error);
      }
    }
    throw new Error(`the remote kept refusing ${branch} (last: ${lastReason}); the reports stay unrecorded`);
  }

  /**
   * Drops from the mirror what the remote now holds and no round reads
   * again (see `keptPaths`). The push has landed, so a failure here costs
   * only a mirror started over, never the reports.
   */
  private async trimMirror(main: string | undefined, tip: string): Promise<void> {
    try {
      await this.remote.trim(main === undefined ? [tip] : [main, tip], keptPaths(this.node));
    } catch (error) {
      console.error(`edge ingest: trimming the mirror failed, starting it over: ${describeError(error)}`);
      this.remote.reset();
      // The tips our push left are not in the new mirror: the next round syncs.
      this.known = undefined;
    }
  }

  /**
   * The tips our last push left, while the sync they rest on is fresh: the
   * branch is where we pushed it (if another writer moved it, the
   * compare-and-swap push is refused and the next attempt syncs), and main
   * is at most MAX_STALE_MS old — as the trust root accepts are checked
   * against is. Taken once: any failure leaves the next attempt to sync.
   */
  private takeKnownTips(): KnownTips | undefined {
    const known = this.known;
    this.known = undefined;
    return known !== undefined && Date.now() - known.syncedAt < MAX_STALE_MS ? known : undefined;
  }

  private async commitRound(branch: string, parent: string | undefined, round: readonly VerifiedReport[]): Promise<string> {
    const store = this.remote.store;
    const changes = new Map<string, Uint8Array | null>();
    for (const [index, report] of round.entries()) {
      // The in-memory store never waits for I/O: every few folders the thread goes back to the accepts.
      if (index % YIELD_EVERY === YIELD_EVERY - 1) await threadTurn();
      const existing = parent === undefined ? [] : await store.listFolder(parent, report.folder);
      for (const entry of existing) if (!report.files.has(entry.path)) changes.set(`${report.folder}/${entry.path}`, null);
      for (const [name, bytes] of report.files) {
        changes.set(`${report.folder}/${name}`, bytes);
        // Stored here, between turns: the commit below then finds each blob present and only builds trees.
        await writeObject(store, 'blob', bytes);
      }
    }
    const lines = round.map((r) => `${r.folder} #${r.claim.sequence} report ${r.digest.slice(0, 12)}`);
    const result = await store.commit({
      branch,
      ...(parent === undefined ? {} : { parent }),
      changes,
      message: `edge: ${round.length} report${round.length === 1 ? '' : 's'} from ${this.node}\n\n${lines.join('\n')}\n`,
      author: { name: 'stella-edge', email: `edge@${this.node}` },
    });
    return result.oid;
  }
}

/**
 * What a round reads at the tips of main and the node's branch, so what a
 * trimmed mirror keeps there: the trust root (and the trees down to it);
 * the node's folders (a round lists a folder before writing it, and tree
 * hygiene and scope compare them); in each, the bundle or retirement the
 * sequence check opens. Report, SBOM and summary files are not read again
 * once pushed (a changed folder is verified at the new tip, from the files
 * just written), nor is anything of other nodes, feeds or policies on
 * main beyond its trust root.
 */
export function keptPaths(node: string): KeptPaths {
  const own = `${FINDINGS_DIR}/${node}`;
  return {
    tree: (path) => path === 'trust' || path === FINDINGS_DIR || path === own || path.startsWith(`${own}/`),
    blob: (path) => path === ROOT_PATH || (path.startsWith(`${own}/`) && (path.endsWith(`/${BUNDLE_FILE}`) || path.endsWith(`/${RETIREMENT_FILE}`))),
  };
}

/** Folders read between two turns of the event loop while a round collects its changes. */
const YIELD_EVERY = 8;

/** A factor from 0.5 to 1.5: nodes that got busy together do not push to the remote together, round after round. */
function jitter(): number {
  return 0.5 + Math.random();
}

/** Waits `ms` (the gather windows). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Splits the batch so that no folder appears twice in one commit (order kept). */
function rounds(batch: readonly VerifiedReport[]): VerifiedReport[][] {
  const out: VerifiedReport[][] = [];
  for (const report of batch) {
    const round = out.find((r) => !r.some((other) => other.folder === report.folder) && out.indexOf(r) >= lastIndexWith(out, report.folder));
    if (round === undefined) out.push([report]);
    else round.push(report);
  }
  return out;
}

function lastIndexWith(out: readonly VerifiedReport[][], folder: string): number {
  for (let i = out.length - 1; i >= 0; i--) if ((out[i] as VerifiedReport[]).some((r) => r.folder === folder)) return i + 1;
  return 0;
}
