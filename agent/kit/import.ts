/**
 * `stella kit import`: applies an Offline Update Kit to the state
 * repository — after checking all of it, in this order, with nothing
 * written until every check has passed:
 *
 * 1. this repository's own trust root chain on main (unexpired);
 * 2. the tar itself (strict paths, only regular files and directories,
 *    limits; see tar-read.ts);
 * 3. the trust root that judges the kit (trust.ts): this repository's, or —
 *    for a kit of the same mesh — the kit's, when it is this root or its
 *    valid next version;
 * 4. the manifest signature: every line of `kit/manifest.json.jws` a valid
 *    signature by a `feeds` key of that root, at least its threshold;
 * 5. every listed file present with its size and SHA-256, nothing unlisted;
 * 6. every feed manifest and policy signature in the kit (signed-check.ts);
 * 7. the rollback rule (rollback.ts).
 *
 * Then the kit's files replace feeds/, vex/, policies/, exceptions/,
 * stella.yaml and — within one mesh — trust/ (files the kit no longer has
 * are deleted), and the kit's signed manifest is kept as `kit/manifest.json`
 * (+ `.jws`), the record the next import's rollback check reads: all in ONE
 * commit, which then passes the admission check every ref move passes
 * (`core/admission`: verify, and no feed, table or signed file going back
 * relative to main — a floor that holds even when `kit/` was deleted).
 * The work tree is brought in step, and only then does main move. A
 * refusal leaves refs, index and work tree untouched.
 *
 * Memory holds one file of the kit at a time while reading, plus the files
 * that differ from the repository (they are what the commit writes).
 *
 * @example
 *   const summary = await importKit(repo, '/media/usb/kit.tar');
 *   if (summary.status === 'applied') console.log(summary.commit);
 */
import { StellaError } from '../../core/errors.js';
import type { GitStore } from '../../core/git/git-store.js';
import { AGENT_IDENTITY, MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { moveAdmitted } from '../repo/admitted-move.js';
import { KIT_FOLDERS, KIT_MANIFEST_PATH, KIT_OPTIONAL_ROOT_FILES, KIT_ROOT_FILES, KIT_SIGNATURE_PATH, TRUST_PREFIX } from './layout.js';
import { parseKitManifest, type KitManifest, type KitSource } from './manifest.js';
import { checkAdvisoryRollback, decideRollback } from './rollback.js';
import { checkSignedFiles } from './signed-check.js';
import { DEFAULT_TAR_LIMITS, type TarLimits } from './tar-read.js';
import { kitTrust, repositoryTrust, type KitTrust } from './trust.js';
import { checkListing, claimedAnchor, kitMetadata, readKit, verifyManifestSignature, type KitContents } from './verify-kit.js';

export interface ImportKitOptions {
  limits?: Partial<TarLimits>;
  /** Refuse a kit whose source commit is older than this many days. */
  maxAgeDays?: number;
  /** The clock for `maxAgeDays` and trust root expiry (default: now). */
  now?: Date;
}

export interface ImportKitSummary {
  status: 'applied' | 'already-applied';
  /** The new commit on main, when applied. */
  commit: string | undefined;
  source: KitSource;
  /** Key ids whose signatures on the kit manifest verified. */
  signers: string[];
  /**
   * `adopted`: the kit's trust root (same as before, or its next version) and trust/ files;
   * `kept`: the kit is from another mesh, and this repository's trust/ was left as it was.
   */
  trust: 'adopted' | 'kept';
  /** The trust root version in effect after the import. */
  trustVersion: number;
  /** Repository files the kit carries. */
  files: number;
  /** Files written (new or changed) and deleted by the commit. */
  written: number;
  deleted: number;
  /** Work-tree files left alone because they had local edits (the commit has the kit's version). */
  skipped: string[];
}

/** Applies the kit at `file` to `repo` (see the module comment). */
export async function importKit(repo: StateRepo, file: string, options: ImportKitOptions = {}): Promise<ImportKitSummary> {
  const now = options.now ?? new Date();
  const parent = await repo.store.branchTip(MAIN_BRANCH);
  if (parent === undefined) throw new StellaError('REPO_INVALID', `${repo.dir}: no ${MAIN_BRANCH} branch to apply the kit to`);
  const receiving = await repositoryTrust(repo.store, parent, now);
  const current = await currentFiles(repo.store, parent);
  const kit = await readKit(file, current, { ...DEFAULT_TAR_LIMITS, ...options.limits });
  const { manifestBytes, jwsText } = kitMetadata(file, kit);
  const trust = await kitTrust(receiving, claimedAnchor(manifestBytes), async (path) => kit.kept.get(path), file, now);
  const signers = await verifyManifestSignature(file, manifestBytes, jwsText, trust.root);
  const manifest = parseKitManifest(manifestBytes, `${file}: ${KIT_MANIFEST_PATH}`);
  checkListing(file, manifest, kit);
  await checkSignedFiles(new Map([...kit.files].map(([path, f]) => [path, f.sha256])), async (path) => kit.kept.get(path), trust.root, file);
  const last = await lastApplied(repo.store, parent);
  const decision = decideRollback(last?.source, manifest.source, { now, ...(options.maxAgeDays === undefined ? {} : { maxAgeDays: options.maxAgeDays }) }, file);
  const summary = {
    source: manifest.source,
    signers,
    trust: trust.$case === 'adopt' ? ('adopted' as const) : ('kept' as const),
    trustVersion: trust.root.signed.version,
    files: manifest.files.length,
    skipped: [] as string[],
  };
  if (decision === 'already-applied') return { ...summary, status: 'already-applied', commit: undefined, written: 0, deleted: 0 };
  await checkAdvisoryRollback(file, current, kit.files, (oid) => repo.store.readBlob(oid), (path) => kit.kept.get(path));

  const { changes, written, deleted } = planChanges(manifest, kit, current, trust);
  const message = commitMessage(manifest, signers, trust, written, deleted);
  const commit = await commitAside(repo.store, parent, changes, message);
  if (commit === undefined) return { ...summary, status: 'already-applied', commit: undefined, written: 0, deleted: 0 };
  // The same admission as a pull or a bundle: the floor is the signed content of main, not kit/manifest.json.
  const worktree = await moveAdmitted(repo, { ref: `refs/heads/${MAIN_BRANCH}`, from: parent, to: commit }, { source: file, now });
  return { ...summary, status: 'applied', commit, written, deleted, skipped: worktree.worktree?.leftAlone ?? [] };
}

/** Commits `changes` on `parent` without moving main (a scratch branch, removed again); undefined when nothing changes. */
async function commitAside(store: GitStore, parent: string, changes: ReadonlyMap<string, Uint8Array | null>, message: string): Promise<string | undefined> {
  const scratch = `stella-kit/${parent.slice(0, 12)}-${Date.now().toString(36)}`;
  await store.writeRef(`refs/heads/${scratch}`, parent);
  try {
    const result = await store.commit({ branch: scratch, parent, changes, message, author: AGENT_IDENTITY });
    return result.committed ? result.oid : undefined;
  } finally {
    await store.deleteRef(`refs/heads/${scratch}`);
  }
}

/** path → blob id of what a kit may replace: the kit folders and root files on main. */
async function currentFiles(store: GitStore, commit: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const folder of KIT_FOLDERS) for (const { path, oid } of await store.walkFiles(commit, folder)) out.set(path, oid);
  for (const entry of await store.listFolder(commit, '')) if (entry.type === 'blob' && (KIT_ROOT_FILES.includes(entry.path) || KIT_OPTIONAL_ROOT_FILES.includes(entry.path))) out.set(entry.path, entry.oid);
  return out;
}

/** The last kit this repository applied, from the record the import commits. */
async function lastApplied(store: GitStore, commit: string): Promise<KitManifest | undefined> {
  const bytes = await store.readFile(commit, KIT_MANIFEST_PATH);
  return bytes === undefined ? undefined : parseKitManifest(bytes, `${MAIN_BRANCH}:${KIT_MANIFEST_PATH} (the record of the last applied kit)`);
}

/**
 * Changed and new files, deletions of what the kit no longer has, and the
 * kit record. trust/ takes part only when the kit's trust was adopted.
 */
function planChanges(
  manifest: KitManifest,
  kit: KitContents,
  current: ReadonlyMap<string, string>,
  trust: KitTrust,
): { changes: Map<string, Uint8Array | null>; written: number; deleted: number } {
  const applies = (path: string): boolean => trust.$case === 'adopt' || !path.startsWith(TRUST_PREFIX);
  const changes = new Map<string, Uint8Array | null>();
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const { path } of manifest.files) {
    if (!applies(path) || current.get(path) === kit.files.get(path)?.oid) continue;
    const bytes = kit.kept.get(path);
    if (bytes === undefined) throw new StellaError('INTERNAL', `kit import: the bytes of changed file '${path}' were not kept`);
    changes.set(path, bytes);
  }
  const written = changes.size;
  for (const path of current.keys()) if (applies(path) && !listed.has(path)) changes.set(path, null);
  const deleted = changes.size - written;
  changes.set(KIT_MANIFEST_PATH, kit.kept.get(KIT_MANIFEST_PATH) as Uint8Array);
  changes.set(KIT_SIGNATURE_PATH, kit.kept.get(KIT_SIGNATURE_PATH) as Uint8Array);
  return { changes, written, deleted };
}

function commitMessage(manifest: KitManifest, signers: string[], trust: KitTrust, written: number, deleted: number): string {
  const { commit, ref, sequence, committed } = manifest.source;
  const trustLine =
    trust.$case === 'adopt'
      ? `Trust root version ${trust.version}${trust.changed ? ' adopted from the kit' : ' (unchanged)'}.`
      : `Trust: the kit is from another mesh; this repository's trust/ was kept (version ${trust.root.signed.version}).`;
  return (
    `kit: apply offline update kit ${commit.slice(0, 12)} (sequence ${sequence})\n\n` +
    `From ${ref} at ${commit}, committed ${committed}; signed by ${signers.join(', ')}.\n` +
    `${written} files written, ${deleted} deleted.\n${trustLine}\n`
  );
}
