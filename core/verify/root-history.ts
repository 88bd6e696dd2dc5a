/**
 * The chain of trust roots, read from history: every commit that changes
 * `trust/root.json` must make a valid step (`core/trust/rules.ts`).
 *
 * - A commit that adds the file where no parent had it introduces an anchor:
 *   version 1, signed by its own root keys. There is one anchor — the first
 *   one seen, on the trust ref — and any other version 1 is a fork.
 * - A commit that changes the file must hold a valid successor of the
 *   newest root among its parents.
 * - A commit that keeps one parent's root while another parent had a newer
 *   one (a merge resolved to the old file) rolls trust back; one that
 *   deletes the file drops it. Both fail.
 * - Two different roots claiming the same version fork the chain: fails.
 *
 * Each commit is judged once, under the label (branch) it was first seen on,
 * and each failure names the commit. Verified roots are remembered by the
 * blob id of the file, so "the root in effect at commit C" is one lookup.
 *
 * @example
 *   const history = new RootHistory(new CommitGraph(store), failures);
 *   await history.check('main', mainTip);
 *   const root = await history.rootAt(mainTip); // undefined when it did not verify
 */
import { describeError } from '../errors.js';
import { sha256Hex } from '../sign/encoding.js';
import { parseRoot, ROOT_PATH, signedBytes, type TrustRoot } from '../trust/root.js';
import { verifyAnchor, verifySuccessor } from '../trust/rules.js';
import type { CommitGraph } from './commits.js';
import type { VerifyFailure } from './types.js';

/**
 * Root steps that verified, by the blob ids of the two files (`<parent>>`
 * `<root>`; an anchor has no parent), with the digest of the signed part.
 * Whether a root may follow another depends on their bytes alone, which
 * their blob ids fix, so a step checked once — by any history, in this
 * process — need not be checked again: a Worker admitting a commit every
 * few seconds otherwise verifies every root signature of main each time.
 * Failures are not kept (they are checked, and reported, each time).
 */
const verifiedSteps = new Map<string, string>();
const REMEMBERED_STEPS = 1024;

/**
 * Roots parsed, by blob id, across histories for the same reason: a blob id
 * fixes the bytes, so the parse is the same every time, and each admission
 * of the edge otherwise parses every version main ever had (tens of
 * kilobytes of JSON a round). Failures are not kept.
 */
const parsedRoots = new Map<string, TrustRoot>();
const REMEMBERED_ROOTS = 256;

/** What judging a trust ref's history up to `tip` left, when it found nothing wrong. */
interface CleanHistory {
  tip: string;
  verified: ReadonlyMap<string, TrustRoot>;
  versions: ReadonlyMap<number, { digest: string; commit: string }>;
  checked: ReadonlySet<string>;
}

/**
 * Trust-ref histories judged clean, newest last. A commit id fixes its whole
 * history, so what was judged up to an earlier tip holds for it in every
 * clone; a newer tip that descends from it needs only its own commits
 * judged. Without this every admission walks all of main — which holds every
 * agent branch merged into it — on the edge's thread each commit round.
 */
const cleanHistories: CleanHistory[] = [];
const REMEMBERED_HISTORIES = 2;

export class RootHistory {
  /** Roots that verified, by the blob id of their trust/root.json. */
  private readonly verified = new Map<string, TrustRoot>();
  /** The first verified root of each version, with where it came from. */
  private readonly versions = new Map<number, { digest: string; commit: string }>();
  private readonly parsed = new Map<string, TrustRoot | Error>();
  private readonly checked = new Set<string>();
  private readonly reportedMissing = new Set<string>();

  constructor(
    readonly graph: CommitGraph,
    private readonly failures: VerifyFailure[],
  ) {}

  /** Judges every root change in the history of `tip`, recording failures under `label`. */
  async check(label: string, tip: string): Promise<void> {
    await this.judge(label, await this.graph.ancestors(tip));
  }

  /** Judges `commits` (each after its parents) not judged yet, then reports commits missing from the clone. */
  private async judge(label: string, commits: readonly string[]): Promise<void> {
    for (const commit of commits) {
      if (this.checked.has(commit)) continue;
      this.checked.add(commit);
      await this.checkCommit(label, commit);
    }
    for (const missing of this.graph.missing) {
      if (this.reportedMissing.has(missing)) continue;
      this.reportedMissing.add(missing);
      this.fail(label, missing, 'missing from this clone, so the trust root chain cannot be followed; fetch the full history (git fetch --unshallow)');
    }
  }

  /**
   * {@link check} for the trust ref itself (called once, on a fresh
   * history): starts from the newest remembered clean history whose tip is
   * an ancestor of `tip`, judges only the commits after it, and remembers
   * this history in turn when it is clean.
   * @example await history.checkTrustRef('main', mainTip);
   */
  async checkTrustRef(label: string, tip: string): Promise<void> {
    const before = this.failures.length;
    const base = await this.cleanAncestor(tip);
    if (base !== undefined) {
      for (const [blob, root] of base.verified) this.verified.set(blob, root);
      for (const [version, first] of base.versions) this.versions.set(version, first);
      for (const commit of base.checked) this.checked.add(commit);
    }
    await this.judge(label, await this.graph.ancestors(tip, (commit) => this.checked.has(commit)));
    if (this.failures.length > before || base?.tip === tip) return;
    if (cleanHistories.length >= REMEMBERED_HISTORIES) cleanHistories.shift();
    cleanHistories.push({ tip, verified: new Map(this.verified), versions: new Map(this.versions), checked: new Set(this.checked) });
  }

  /** The newest remembered clean history whose tip `tip` descends from. */
  private async cleanAncestor(tip: string): Promise<CleanHistory | undefined> {
    for (let i = cleanHistories.length - 1; i >= 0; i--) {
      const known = cleanHistories[i] as CleanHistory;
      if (known.tip === tip || (await this.graph.isAncestor(known.tip, tip))) return known;
    }
    return undefined;
  }

  /**
   * {@link check} for a ref moving from `admitted` to `tip`, where
   * `admitted` is the ref's old tip, whose whole history was judged when it
   * was admitted: only the commits `tip` adds are walked, so a branch with
   * thousands of commits costs each move what the move brings (the edge
   * admits a node's commit every few seconds). Commits reachable from
   * `tip` other than through `admitted` are judged as `check` would. When
   * the root in effect at `admitted` is not one this history verified (the
   * trust ref's history names every root a branch built on it may hold),
   * a new commit's step could not be judged from it, and the whole
   * history is walked instead.
   * @example await history.checkSince('agents/n1', newTip, oldTip);
   */
  async checkSince(label: string, tip: string, admitted: string): Promise<void> {
    const admittedRoot = await this.rootBlobAt(admitted);
    if (admittedRoot !== undefined && !this.verified.has(admittedRoot)) return this.check(label, tip);
    await this.judge(label, await this.graph.ancestors(tip, (commit) => commit === admitted || this.checked.has(commit)));
  }

  /** The blob id of trust/root.json in a commit. */
  rootBlobAt(commit: string): Promise<string | undefined> {
    return this.graph.blobAt(commit, ROOT_PATH);
  }

  /** The verified root in a commit's tree, or undefined (absent, or it did not verify). */
  async rootAt(commit: string): Promise<TrustRoot | undefined> {
    const blob = await this.rootBlobAt(commit);
    return blob === undefined ? undefined : this.verified.get(blob);
  }

  /** Every verified root, oldest version first (the first of each version). */
  verifiedRoots(): TrustRoot[] {
    const seen = new Map<number, TrustRoot>();
    for (const root of this.verified.values()) if (!seen.has(root.signed.version)) seen.set(root.signed.version, root);
    return [...seen.values()].sort((a, b) => a.signed.version - b.signed.version);
  }

  private async checkCommit(label: string, commit: string): Promise<void> {
    const blob = await this.rootBlobAt(commit);
    const parentBlobs = new Set<string>();
    for (const parent of await this.graph.parents(commit)) {
      const parentBlob = await this.rootBlobAt(parent);
      if (parentBlob !== undefined) parentBlobs.add(parentBlob);
    }
    if (blob === undefined) {
      if (parentBlobs.size > 0) this.fail(label, commit, `deletes ${ROOT_PATH}; a trust root can be replaced by its next version, never removed`);
      return;
    }
    let newestParent: TrustRoot | undefined;
    let newestParentBlob = '';
    for (const parentBlob of parentBlobs) {
      const parentRoot = this.verified.get(parentBlob);
      if (parentRoot !== undefined && (newestParent === undefined || parentRoot.signed.version > newestParent.signed.version)) {
        newestParent = parentRoot;
        newestParentBlob = parentBlob;
      }
    }
    if (parentBlobs.has(blob)) {
      const mine = this.verified.get(blob);
      if (mine !== undefined && newestParent !== undefined && newestParent.signed.version > mine.signed.version) {
        this.fail(label, commit, `goes back from trust root version ${newestParent.signed.version} to version ${mine.signed.version} (a merge that kept the old ${ROOT_PATH})`);
      }
      return;
    }
    const root = await this.parse(blob);
    if (root instanceof Error) return this.fail(label, commit, describeError(root));
    const where = `commit ${short(commit)}`;
    // A parent root that did not verify was reported where it was introduced; what builds on it cannot verify either.
    if (parentBlobs.size > 0 && newestParent === undefined) return;
    const step = `${newestParentBlob}>${blob}`;
    let digest = verifiedSteps.get(step);
    if (digest === undefined) {
      try {
        if (newestParent === undefined) await verifyAnchor(root, where);
        else await verifySuccessor(newestParent, root, where);
      } catch (error) {
        this.failures.push({ where: `${label}:${ROOT_PATH}`, reason: describeError(error) });
        return;
      }
      digest = await sha256Hex(signedBytes(root.signed));
      if (verifiedSteps.size >= REMEMBERED_STEPS) verifiedSteps.clear();
      verifiedSteps.set(step, digest);
    }
    const first = this.versions.get(root.signed.version);
    if (first !== undefined && first.digest !== digest) {
      return this.fail(label, commit, `trust root version ${root.signed.version} differs from the version ${root.signed.version} of commit ${short(first.commit)}: the trust root forked`);
    }
    if (first === undefined) this.versions.set(root.signed.version, { digest, commit });
    this.verified.set(blob, root);
  }

  private async parse(blob: string): Promise<TrustRoot | Error> {
    let parsed = this.parsed.get(blob) ?? parsedRoots.get(blob);
    if (parsed === undefined) {
      try {
        parsed = parseRoot(await this.graph.readBlob(blob), ROOT_PATH);
        if (parsedRoots.size >= REMEMBERED_ROOTS) parsedRoots.clear();
        parsedRoots.set(blob, parsed);
      } catch (error) {
        parsed = error instanceof Error ? error : new Error(String(error));
      }
      this.parsed.set(blob, parsed);
    }
    return parsed;
  }

  private fail(label: string, commit: string, problem: string): void {
    this.failures.push({ where: `${label}:${ROOT_PATH}`, reason: `commit ${short(commit)}: ${problem}` });
  }
}

function short(commit: string): string {
  return commit.slice(0, 12);
}
