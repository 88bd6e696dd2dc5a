/**
 * Freshness of reports: every signed report or retirement carries a
 * per-target sequence number (`core/report/claim.ts`). Along a branch's
 * first-parent line, the folder of a target keeps the highest sequence it
 * ever held — its floor — and at the tip:
 *
 * - the folder's statement has a sequence at least the floor, and when
 *   equal, the very statement that set it (an older, validly signed report
 *   replayed over a newer one fails; so does a second statement that
 *   repeats a sequence with other content);
 * - a folder that ever held a report still holds one, or a signed
 *   retirement in its place (deleting or moving a report fails);
 * - on a branch other than the trust ref, a folder the branch changed (it
 *   differs from the merge base) holds nothing older than the trust ref's
 *   floor, and a folder the merge base and the trust ref both have was not
 *   deleted by the branch.
 *
 * History statements are read without their signatures: they only set a
 * floor, which can make a report fail, never pass.
 *
 * @example
 *   const freshness = new Freshness(store, graph);
 *   await freshness.check('agents/edge-1', tip, trust, failures);
 */
import type { GitStore } from '../git/git-store.js';
import { peekClaim } from '../report/claim.js';
import { BUNDLE_FILE, FINDINGS_DIR, RETIREMENT_FILE } from '../report/layout.js';
import type { CommitGraph } from './commits.js';
import type { TrustState } from './trust-state.js';
import type { VerifyFailure } from './types.js';

/** The highest sequence a folder held, the statement that set it, and where. */
interface Floor {
  sequence: number;
  statement: string;
  commit: string;
}

/** The bundle a folder holds at a commit. */
interface Held {
  file: string;
  oid: string;
}

type Peeked = Awaited<ReturnType<typeof peekClaim>>;

export class Freshness {
  private readonly claims = new Map<string, Peeked>();
  private readonly floors = new Map<string, ReadonlyMap<string, Floor>>();
  private readonly heldByTree = new Map<string, Map<string, Held>>();

  constructor(
    private readonly store: GitStore,
    private readonly graph: CommitGraph,
  ) {}

  /** Records every freshness failure of the branch `label` at `tip`. */
  async check(label: string, tip: string, trust: TrustState, failures: VerifyFailure[]): Promise<void> {
    const floors = await this.floorsAt(tip);
    const held = await this.held(tip);
    const where = new Set<string>();
    const fail = (path: string, reason: string): void => {
      where.add(path);
      failures.push({ where: `${label}:${path}`, reason });
    };
    for (const [folder, floor] of floors) {
      if (!held.has(folder)) fail(folder, `deleted, though it held sequence ${floor.sequence} in commit ${short(floor.commit)}: ${RETIRE_HINT}`);
    }
    for (const [folder, bundle] of held) {
      const peeked = await this.claim(bundle.oid);
      const floor = floors.get(folder);
      if (peeked === undefined || floor === undefined) continue;
      const problem = goesBack(peeked, floor, `commit ${short(floor.commit)} on this branch's first-parent line`);
      if (problem !== undefined) fail(`${folder}/${bundle.file}`, problem);
    }
    if (tip !== trust.tip) await this.checkAgainstTrustRef(label, tip, held, trust, where, failures);
  }

  /** A branch must not bring the trust ref an older report, nor delete one it has. */
  private async checkAgainstTrustRef(label: string, tip: string, held: Map<string, Held>, trust: TrustState, reported: Set<string>, failures: VerifyFailure[]): Promise<void> {
    const trustHeld = await this.held(trust.tip);
    const trustFloors = await this.floorsAt(trust.tip);
    const base = (await this.store.mergeBases(tip, trust.tip))[0];
    const baseHeld = base === undefined ? new Map<string, Held>() : await this.held(base);
    for (const [folder, bundle] of held) {
      if (trustHeld.get(folder)?.oid === bundle.oid || baseHeld.get(folder)?.oid === bundle.oid) continue; // not changed by this branch
      const peeked = await this.claim(bundle.oid);
      const floor = trustFloors.get(folder);
      if (peeked === undefined || floor === undefined) continue;
      const problem = goesBack(peeked, floor, `${trust.ref}'s commit ${short(floor.commit)}`);
      if (problem !== undefined && !reported.has(`${folder}/${bundle.file}`)) failures.push({ where: `${label}:${folder}/${bundle.file}`, reason: problem });
    }
    for (const folder of trustHeld.keys()) {
      if (held.has(folder) || !baseHeld.has(folder) || reported.has(folder)) continue;
      failures.push({ where: `${label}:${folder}`, reason: `deleted, though ${trust.ref} holds it: ${RETIRE_HINT}` });
    }
  }

  /** The floor of every folder along the first-parent line ending at `tip`. */
  private async floorsAt(tip: string): Promise<ReadonlyMap<string, Floor>> {
    const known = this.floors.get(tip);
    if (known !== undefined) return known;
    const pending: string[] = [];
    let floors: ReadonlyMap<string, Floor> = new Map();
    for (let commit: string | undefined = tip; commit !== undefined; commit = await this.graph.firstParent(commit)) {
      const memo = this.floors.get(commit);
      if (memo !== undefined) {
        floors = memo;
        break;
      }
      pending.push(commit);
    }
    let previousTree: string | undefined;
    for (const commit of pending.reverse()) {
      const tree = await this.graph.blobAt(commit, FINDINGS_DIR);
      if (tree !== previousTree) floors = await this.raise(floors, commit);
      previousTree = tree;
      this.floors.set(commit, floors);
    }
    return floors;
  }

  /** `floors` raised by what `commit` holds (a new map only when something rose). */
  private async raise(floors: ReadonlyMap<string, Floor>, commit: string): Promise<ReadonlyMap<string, Floor>> {
    let out: Map<string, Floor> | undefined;
    for (const [folder, bundle] of await this.held(commit)) {
      const peeked = await this.claim(bundle.oid);
      const floor = (out ?? floors).get(folder);
      if (peeked === undefined || (floor !== undefined && floor.sequence >= peeked.claim.sequence)) continue;
      out ??= new Map(floors);
      out.set(folder, { sequence: peeked.claim.sequence, statement: peeked.statementSha256, commit });
    }
    return out ?? floors;
  }

  /** The bundle (report or retirement) of every report folder at a commit. */
  private async held(commit: string): Promise<Map<string, Held>> {
    const findings = (await this.graph.blobAt(commit, FINDINGS_DIR)) ?? '';
    const memo = this.heldByTree.get(findings);
    if (memo !== undefined) return memo;
    const out = new Map<string, Held>();
    for (const [node, nodeEntry] of await this.graph.entriesAt(commit, FINDINGS_DIR)) {
      if (nodeEntry.type !== 'tree') continue;
      for (const [target, entry] of await this.graph.entriesAt(commit, `${FINDINGS_DIR}/${node}`)) {
        if (entry.type !== 'tree') continue;
        const files = await this.graph.entriesAt(commit, `${FINDINGS_DIR}/${node}/${target}`);
        const file = files.has(RETIREMENT_FILE) ? RETIREMENT_FILE : BUNDLE_FILE;
        const bundle = files.get(file);
        if (bundle !== undefined && bundle.type === 'blob') out.set(`${FINDINGS_DIR}/${node}/${target}`, { file, oid: bundle.oid });
      }
    }
    this.heldByTree.set(findings, out);
    return out;
  }

  private async claim(oid: string): Promise<Peeked> {
    if (!this.claims.has(oid)) this.claims.set(oid, await peekClaim(await this.graph.readBlob(oid)));
    return this.claims.get(oid);
  }
}

const RETIRE_HINT = 'a report folder is removed or moved only by a signed retirement in its place (stella report retire TARGET)';

/** Why `peeked` goes back from `floor`, or undefined. */
function goesBack(peeked: NonNullable<Peeked>, floor: Floor, source: string): string | undefined {
  const { sequence } = peeked.claim;
  if (sequence < floor.sequence) return `sequence ${sequence} goes back from sequence ${floor.sequence} of ${source}: an older report cannot replace a newer one`;
  if (sequence === floor.sequence && peeked.statementSha256 !== floor.statement) return `repeats sequence ${sequence} of ${source} with different content`;
  return undefined;
}

function short(commit: string): string {
  return commit.slice(0, 12);
}
