/**
 * Verification of a change rather than of a whole ref: what moving a ref
 * from an already-admitted commit `from` to `to` brings. It checks the same
 * things as `verifyRepository` — root chain, feeds, signed files, report
 * folders, freshness — but only where `to` differs from `from` (for the
 * root chain: only the commits `to` adds, `RootHistory.checkSince`), so
 * admitting one new report costs the same in a repository of ten reports or
 * ten thousand, on a branch of ten commits or ten thousand.
 *
 * Why that is enough: `from` passed admission (or was made here), so every
 * folder it holds verified, and each report's sequence there is its floor.
 * A folder `to` holds unchanged is the same bytes judged before; a changed
 * folder is verified whole, and its sequence must not go below what `from`
 * held nor below anything a commit on `to`'s first-parent line held since
 * the two diverged.
 *
 * @example
 *   const result = await verifyChange(store, { trustRef: 'main', trustTip, from, to, label: 'agents/edge-1' });
 *   if (result.failures.length > 0) refuse(result.failures[0]);
 */
import type { GitStore } from '../git/git-store.js';
import type { TreeEntry } from '../git/git-store.js';
import { peekClaim } from '../report/claim.js';
import type { SignatureMemo } from '../sign/signature-memo.js';
import { BUNDLE_FILE, FINDINGS_DIR, RETIREMENT_FILE } from '../report/layout.js';
import { CommitGraph } from './commits.js';
import { verifyFeeds } from './feed-files.js';
import { verifyReport } from './reports.js';
import { POLICY_SIGNED_FOLDERS, POLICY_SIGNED_ROOT_FILES, SIGNATURE_SUFFIX, verifySignedFiles } from './signed-files.js';
import { loadTrust } from './trust-state.js';
import type { VerifyResult } from './types.js';

export interface ChangeOptions {
  /** The trust ref, for messages, and its tip (for a move of main, the new tip itself). */
  trustRef: string;
  trustTip: string;
  /** The admitted commit the ref moves from, and the one it moves to. */
  from: string;
  to: string;
  /** Name of the ref being moved, for messages. */
  label: string;
  now?: Date;
  /** Signature checks already passed under the same key (`core/sign/signature-memo.ts`). */
  signatures?: SignatureMemo | undefined;
  /** Awaited between groups of folders, for a caller whose thread serves requests too (the edge). */
  pause?: (() => Promise<void>) | undefined;
}

/** Folders checked between two `pause` calls. */
const FOLDERS_PER_PAUSE = 8;

/** First-parent commits walked back from `to` looking for where it left `from`'s history. */
const MAX_WALK = 10_000;

/**
 * Verifies what `to` changes relative to `from` (see the module comment).
 * @example const { failures } = await verifyChange(store, { trustRef: 'main', trustTip: main, from: old, to: next, label: 'agents/n1' });
 */
export async function verifyChange(store: GitStore, options: ChangeOptions): Promise<VerifyResult> {
  const result: VerifyResult = { reports: 0, manifests: 0, policies: 0, signedFiles: 0, failures: [] };
  const graph = new CommitGraph(store);
  const trust = await loadTrust(graph, options.trustRef, options.trustTip, options.now ?? new Date(), result.failures);
  if (trust === undefined) return result;
  const { from, to, label } = options;
  // The old tip's history was judged when it was admitted: only what the move adds is walked.
  await trust.history.checkSince(label, to, from);
  if (await changedAt(graph, from, to, 'feeds')) await verifyFeeds(store, to, label, trust, result, new Set());
  const signedPaths = [...POLICY_SIGNED_FOLDERS, ...POLICY_SIGNED_ROOT_FILES, ...POLICY_SIGNED_ROOT_FILES.map((f) => `${f}${SIGNATURE_SUFFIX}`)];
  for (const path of signedPaths) {
    if (await changedAt(graph, from, to, path)) {
      await verifySignedFiles(store, to, label, trust, result, new Set());
      break;
    }
  }
  const folders = await changedFolders(store, from, to);
  for (const stray of folders.strays) result.failures.push({ where: `${label}:${stray}`, reason: 'not inside a report folder (findings/<node>/<target>/)' });
  for (const folder of folders.deleted) {
    result.failures.push({ where: `${label}:${folder}`, reason: 'deleted; a report folder is replaced by a signed retirement (stella report retire), never removed' });
  }
  for (const [index, folder] of folders.changed.entries()) {
    if (index % FOLDERS_PER_PAUSE === FOLDERS_PER_PAUSE - 1) await options.pause?.();
    result.reports += 1;
    await verifyReport(store, to, label, folder, trust, result.failures, options.signatures);
  }
  await checkSequences(graph, store, options, folders.changed, result);
  return result;
}

async function changedAt(graph: CommitGraph, from: string, to: string, path: string): Promise<boolean> {
  return (await graph.blobAt(from, path)) !== (await graph.blobAt(to, path));
}

/** Report folders `to` changed or removed relative to `from`, reading only the trees along changed paths. */
async function changedFolders(store: GitStore, from: string, to: string): Promise<{ changed: string[]; deleted: string[]; strays: string[] }> {
  const out = { changed: [] as string[], deleted: [] as string[], strays: [] as string[] };
  const byName = (entries: TreeEntry[]): Map<string, TreeEntry> => new Map(entries.map((e) => [e.path, e]));
  const [nodesFrom, nodesTo] = [byName(await store.listFolder(from, FINDINGS_DIR)), byName(await store.listFolder(to, FINDINGS_DIR))];
  for (const name of new Set([...nodesFrom.keys(), ...nodesTo.keys()])) {
    const [before, after] = [nodesFrom.get(name), nodesTo.get(name)];
    if (before?.oid === after?.oid) continue;
    const nodePath = `${FINDINGS_DIR}/${name}`;
    if (after !== undefined && after.type !== 'tree') {
      if (name !== 'README.md') out.strays.push(nodePath);
      continue;
    }
    const targetsFrom = before?.type === 'tree' ? byName(await store.listFolder(from, nodePath)) : new Map<string, TreeEntry>();
    const targetsTo = after === undefined ? new Map<string, TreeEntry>() : byName(await store.listFolder(to, nodePath));
    for (const target of new Set([...targetsFrom.keys(), ...targetsTo.keys()])) {
      const [was, now] = [targetsFrom.get(target), targetsTo.get(target)];
      if (was?.oid === now?.oid) continue;
      const folder = `${nodePath}/${target}`;
      if (now === undefined) {
        if (was?.type === 'tree') out.deleted.push(folder);
      } else if (now.type !== 'tree') out.strays.push(folder);
      else out.changed.push(folder);
    }
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

interface Held {
  sequence: number;
  statement: string;
  where: string;
}

/**
 * For each changed folder: the sequence at `to` must not go below what
 * `from` held, nor below any statement a commit on `to`'s first-parent line
 * held since it left `from`'s history; equal only for the same statement.
 * Against the trust ref too: a branch must not bring it an older report.
 */
async function checkSequences(graph: CommitGraph, store: GitStore, options: ChangeOptions, folders: readonly string[], result: VerifyResult): Promise<void> {
  if (folders.length === 0) return;
  const claims = new Map<string, Held | undefined>();
  const heldAt = async (commit: string, folder: string): Promise<Held | undefined> => {
    const oid = (await graph.blobAt(commit, `${folder}/${RETIREMENT_FILE}`)) ?? (await graph.blobAt(commit, `${folder}/${BUNDLE_FILE}`));
    if (oid === undefined) return undefined;
    if (!claims.has(oid)) {
      const peeked = await peekClaim(await store.readBlob(oid));
      claims.set(oid, peeked === undefined ? undefined : { sequence: peeked.claim.sequence, statement: peeked.statementSha256, where: commit });
    }
    const held = claims.get(oid);
    return held === undefined ? undefined : { ...held, where: commit };
  };
  const floors = new Map<string, Held>();
  const raise = (folder: string, held: Held | undefined): void => {
    const floor = floors.get(folder);
    if (held !== undefined && (floor === undefined || held.sequence > floor.sequence)) floors.set(folder, held);
  };
  for (const folder of folders) raise(folder, await heldAt(options.from, folder));
  await options.pause?.();
  const base = new Set(await store.mergeBases(options.from, options.to));
  let commit = await graph.firstParent(options.to);
  for (let steps = 0; commit !== undefined && !base.has(commit) && commit !== options.from && steps < MAX_WALK; steps++) {
    for (const folder of folders) raise(folder, await heldAt(commit, folder));
    await options.pause?.();
    commit = await graph.firstParent(commit);
  }
  if (options.trustTip !== options.to) for (const folder of folders) raise(folder, await heldAt(options.trustTip, folder));
  for (const folder of folders) {
    const now = await heldAt(options.to, folder);
    const floor = floors.get(folder);
    if (now === undefined || floor === undefined) continue;
    const older = now.sequence < floor.sequence;
    const replayed = now.sequence === floor.sequence && now.statement !== floor.statement;
    if (older || replayed) {
      result.failures.push({
        where: `${options.label}:${folder}`,
        reason: `sequence ${now.sequence} ${older ? 'goes back from' : 'repeats with other content'} sequence ${floor.sequence} held in commit ${floor.where.slice(0, 12)}: an older or replayed report`,
      });
    }
  }
}
