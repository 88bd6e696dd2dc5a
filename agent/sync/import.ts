/**
 * `stella sync import`: a git bundle file (ours or native git's) into the
 * state repository. The object work is core's `importBundle`; before any
 * ref moves, every ref the bundle would move passes the admission check
 * (`core/admission`: only main and agents/<node>, clean trees, verified
 * signatures, no rollback) — one refusal and no ref moves. The checked-out
 * work tree is brought in step before its branch moves (a file a person
 * edited is left alone and reported).
 *
 * @example
 *   const summary = await importBundleFile(repo, '/media/usb/next.bundle');
 *   const refused = summary.updates.filter((u) => u.status === 'refused');
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { StellaError } from '../../core/errors.js';
import { parseBundleHeader } from '../../core/git/bundle-format.js';
import { admitRefMove } from '../../core/admission/admit.js';
import { branchOf } from '../../core/admission/refs.js';
import { MAX_BUNDLE_HEADER_BYTES } from '../../core/git/bundle-format.js';
import { MAX_PACK_BYTES } from '../../core/git/pack-limits.js';
import { importBundle, type ImportResult, type RefUpdate } from '../../core/git/bundle.js';
import { applyAdmitted } from '../repo/admitted-move.js';
import { packLimits } from '../repo/pack-limits.js';
import { MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';

export interface ImportFileOptions {
  /** Move branches and tags even when that drops local commits. */
  force?: boolean;
  /** Put branches under `refs/remotes/<name>/` instead of `refs/heads/`. */
  asRemote?: string;
  /** Told each step as it starts (for a progress line on a terminal). */
  onProgress?: SyncProgress | undefined;
}

/** A step of an export or import: what it does, and how far along when that is cheap to know. */
export type SyncProgress = (event: { what: string; done: number; total?: number }) => void;

export interface ImportSummary extends ImportResult {
  /** Set when the checked-out branch moved and the work tree was brought along. */
  worktree: { branch: string; changed: number; leftAlone: string[] } | undefined;
}

/**
 * Imports the bundle at `file`. Errors (bad bundle, damaged pack, missing
 * prerequisites, incomplete history) leave the repository unchanged.
 *
 * @example await importBundleFile(repo, 'state.bundle', { asRemote: 'bundle' })
 */
export async function importBundleFile(repo: StateRepo, file: string, options: ImportFileOptions = {}): Promise<ImportSummary> {
  const progress = options.onProgress ?? ((): void => undefined);
  progress({ what: `reading ${file}`, done: 0 });
  await checkBundleFile(file);
  let worktree: ImportSummary['worktree'];
  progress({ what: `verifying and storing ${describeBundle(await readStart(file))} from ${file}`, done: 0 });
  // Read in 1 MiB pieces and spooled to a file by core: the bundle is never held in memory.
  const result = await importBundle(repo.store, createReadStream(file, { highWaterMark: 1 << 20 }), {
    source: file,
    limits: packLimits,
    ...(options.force === true ? { force: true } : {}),
    ...(options.asRemote === undefined ? {} : { asRemote: options.asRemote }),
    admit: async (updates) => {
      worktree = await admitBundleRefs(repo, file, updates, progress);
      progress({ what: `moving ${updates.length} refs`, done: 0 });
    },
  });
  return { ...result, worktree };
}

/** "12 refs, 3456 objects", read from the header and the pack's own count; what cannot be read is left out (the import names the fault). */
function describeBundle(bytes: Uint8Array): string {
  try {
    const header = parseBundleHeader(bytes, 'bundle');
    const refs = `${header.refs.length} refs`;
    if (bytes.length < header.packOffset + 12) return refs;
    const objects = new DataView(bytes.buffer, bytes.byteOffset + header.packOffset + 8, 4).getUint32(0);
    return `${refs}, ${objects} objects`;
  } catch {
    return 'the bundle';
  }
}

/** The first bytes of the bundle, enough for its header in all but huge ones. */
async function readStart(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(1 << 16);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The bundle is readable, and not larger than a header and a pack may be (refused before it is read). */
async function checkBundleFile(file: string): Promise<void> {
  const unreadable = (cause: unknown): never => {
    const code = (cause as { code?: unknown }).code;
    throw new StellaError(code === 'ENOENT' ? 'NOT_FOUND' : 'USAGE', `${file}: cannot read the bundle (${String(code ?? cause)})`, { cause });
  };
  const { size } = await stat(file).catch(unreadable);
  if (size > MAX_BUNDLE_HEADER_BYTES + MAX_PACK_BYTES) {
    throw new StellaError('LIMIT_EXCEEDED', `${file}: the bundle is ${size} bytes, over the limit of ${MAX_PACK_BYTES >> 20} MiB per pack; nothing was changed`);
  }
  const handle = await open(file, 'r').catch(unreadable);
  await handle.close();
}

/**
 * Admits every ref the bundle would move (main first: it is the trust ref
 * the agent branches are judged by), then brings the checked-out branch and
 * its work tree along. Any refusal throws before a ref has moved.
 */
async function admitBundleRefs(repo: StateRepo, file: string, updates: readonly RefUpdate[], progress: SyncProgress): Promise<ImportSummary['worktree']> {
  const { store } = repo;
  const isMain = (u: RefUpdate): boolean => branchOf(u.ref)?.$case === 'main';
  const ordered = [...updates.filter(isMain), ...updates.filter((u) => !isMain(u))];
  const localAgents = await Promise.all((await store.listBranches()).filter((b) => b.startsWith('agents/')).map((b) => store.branchTip(b)));
  const agentTips = [...updates.filter((u) => branchOf(u.ref)?.$case === 'agent').map((u) => u.oid), ...localAgents.flatMap((t) => (t === undefined ? [] : [t]))];
  const mainUpdate = updates.find(isMain);
  const trust = mainUpdate?.oid ?? (await store.branchTip(MAIN_BRANCH));
  const moves = ordered.map((u) => ({ ref: u.ref, from: u.previous, to: u.oid }));
  for (const [i, move] of moves.entries()) {
    progress({ what: `checking ref ${i + 1}/${moves.length}: ${move.ref}`, done: i });
    await admitRefMove(store, move, { source: file, agentTips, trust: isMainRef(move.ref) ? move.from : trust });
  }
  const head = await store.currentBranch();
  const checkedOut = moves.find((m) => m.ref === head);
  if (checkedOut !== undefined) progress({ what: `updating the work tree of ${checkedOut.ref}`, done: 0 });
  return checkedOut === undefined ? undefined : await applyAdmitted(repo, checkedOut);
}

function isMainRef(ref: string): boolean {
  return branchOf(ref)?.$case === 'main';
}
