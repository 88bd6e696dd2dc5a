/**
 * `stella kit export`: an Offline Update Kit from one ref of the state
 * repository — every file under feeds/, vex/, policies/, exceptions/ and
 * trust/, and stella.yaml, at their repository paths, plus a signed
 * `kit/manifest.json` — as one deterministic tar, written atomically.
 *
 * The kit is signed with this clone's key, which must hold the `feeds` role
 * in the exported ref's trust root (the receiving site must trust it for
 * `feeds` too). Before writing, the exported feed manifests and policies
 * are checked as an importer of the same mesh will check them, so a kit
 * that would be refused is never written.
 *
 * @example
 *   const summary = await exportKit(repo, { output: '/media/usb/kit.tar', key });
 *   console.log(summary.source.sequence, summary.files);
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { StellaError } from '../../core/errors.js';
import type { SigningKey } from '../../core/sign/keys.js';
import type { GitStore } from '../../core/git/git-store.js';
import { trustedKeyLookup } from '../../core/trust/lookup.js';
import { MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { comparePaths, KIT_FOLDERS, KIT_MANIFEST_PATH, KIT_OPTIONAL_ROOT_FILES, KIT_ROOT_FILES, KIT_SIGNATURE_PATH, pathProblem } from './layout.js';
import { buildKitManifest, encodeKitManifest, type KitFile, type KitSource } from './manifest.js';
import { signKitManifest } from './signature.js';
import { writeTarAtomically } from './tar-write.js';
import { checkSignedFiles } from './signed-check.js';
import { repositoryTrust } from './trust.js';

export interface ExportKitOptions {
  /** The tar file to write. */
  output: string;
  /** The ref to take the files from (default `main`). */
  ref?: string;
  key: SigningKey;
  /** The time the source's trust root must be unexpired at (default: now). */
  now?: Date;
}

export interface ExportKitSummary {
  file: string;
  /** Size of the tar. */
  bytes: number;
  source: KitSource;
  /** Repository files in the kit (its manifest and signature not counted). */
  files: number;
  /** Feed manifests, policy files and other `policies`-signed files (VEX, exceptions, stella.yaml) whose signatures were checked. */
  feeds: number;
  policies: number;
  signedFiles: number;
  /** Key id that signed the kit manifest. */
  signer: string;
}

/** Git tree modes a kit can carry: plain and executable files (both become plain files). */
const FILE_MODES = new Set(['100644', '100755']);

/** Writes the kit for `options.ref` to `options.output`. */
export async function exportKit(repo: StateRepo, options: ExportKitOptions): Promise<ExportKitSummary> {
  const ref = options.ref ?? MAIN_BRANCH;
  const file = resolve(options.output);
  const commit = await resolveCommit(repo.store, ref);
  const where = `${ref} (${commit.slice(0, 12)})`;
  const trust = await repositoryTrust(repo.store, commit, options.now ?? new Date());
  if (trustedKeyLookup(trust.root, 'feeds')(options.key.keyId) === undefined) {
    throw new StellaError(
      'KEY_NOT_FOUND',
      `${where}: this clone's key ${options.key.keyId.slice(0, 12)}… does not hold the feeds role in trust root version ${trust.root.signed.version}; a kit must be signed by a feeds key`,
    );
  }
  const blobs = await kitBlobs(repo.store, commit, where);
  const files = await describeFiles(repo.store, blobs);
  const digests = new Map(files.map((f) => [f.path, f.sha256]));
  const checked = await checkSignedFiles(digests, (path) => repo.store.readFile(commit, path), trust.root, where);
  const source = { ...(await describeSource(repo.store, commit, ref)), trustAnchor: trust.anchor };
  const manifest = encodeKitManifest(buildKitManifest(source, files));
  const jws = new TextEncoder().encode(`${await signKitManifest(manifest, options.key, repo.cacheDir)}\n`);
  const entries = [
    ...blobs.map((blob) => ({ path: blob.path, read: () => repo.store.readBlob(blob.oid) })),
    { path: KIT_MANIFEST_PATH, read: async () => manifest },
    { path: KIT_SIGNATURE_PATH, read: async () => jws },
  ];
  // The source commit's time, not the clock: the same ref always gives the same bytes.
  const bytes = await writeTarAtomically(file, entries, new Date(Date.parse(source.committed)));
  return { file, bytes, source, files: files.length, ...checked, signer: options.key.keyId };
}

async function resolveCommit(store: GitStore, ref: string): Promise<string> {
  const oid = await store.resolve(ref);
  if (oid === undefined) throw new StellaError('NOT_FOUND', `ref '${ref}' not found in ${store.dir}`);
  try {
    await store.readCommit(oid);
  } catch (cause) {
    throw new StellaError('NOT_FOUND', `ref '${ref}' (${oid.slice(0, 12)}) is not a commit in ${store.dir}`, { cause });
  }
  return oid;
}

/** The kit's repository files at `commit`, sorted, refusing what a kit cannot carry faithfully. */
async function kitBlobs(store: GitStore, commit: string, where: string): Promise<{ path: string; oid: string }[]> {
  const out: { path: string; oid: string }[] = [];
  const visit = async (folder: string): Promise<void> => {
    for (const entry of await store.listFolder(commit, folder)) {
      const path = `${folder}/${entry.path}`;
      if (entry.type === 'tree') {
        await visit(path);
        continue;
      }
      if (entry.type !== 'blob' || !FILE_MODES.has(entry.mode)) {
        throw new StellaError('PATH_UNSAFE', `${where}: ${path} is ${entry.mode === '120000' ? 'a symbolic link' : `a ${entry.type} entry (mode ${entry.mode})`}; a kit carries only regular files`);
      }
      const problem = pathProblem(path);
      if (problem !== undefined) throw new StellaError('PATH_UNSAFE', `${where}: ${JSON.stringify(path)} ${problem}; it cannot travel in a kit`);
      out.push({ path, oid: entry.oid });
    }
  };
  const root = new Map((await store.listFolder(commit, '')).map((entry) => [entry.path, entry]));
  for (const name of KIT_ROOT_FILES) {
    const entry = root.get(name);
    if (entry?.type !== 'blob' || !FILE_MODES.has(entry.mode)) throw new StellaError('REPO_INVALID', `${where}: ${name} is missing or not a regular file; a kit always carries it`);
    out.push({ path: name, oid: entry.oid });
  }
  for (const name of KIT_OPTIONAL_ROOT_FILES) {
    const entry = root.get(name);
    if (entry?.type === 'blob' && FILE_MODES.has(entry.mode)) out.push({ path: name, oid: entry.oid });
  }
  for (const name of KIT_FOLDERS) {
    const entry = root.get(name);
    if (entry === undefined) continue;
    if (entry.type !== 'tree') throw new StellaError('REPO_INVALID', `${where}: ${name} is a file; a kit expects a folder there`);
    await visit(name);
  }
  // A case-insensitive checkout would merge these; the importer refuses them, so refuse here first.
  const folded = new Map<string, string>();
  for (const { path } of out) {
    const earlier = folded.get(path.toLowerCase());
    if (earlier !== undefined) throw new StellaError('PATH_UNSAFE', `${where}: '${earlier}' and '${path}' differ only in case; rename one before exporting`);
    folded.set(path.toLowerCase(), path);
  }
  return out.sort((a, b) => comparePaths(a.path, b.path));
}

/** Size and SHA-256 of each file, one blob in memory at a time. */
async function describeFiles(store: GitStore, blobs: readonly { path: string; oid: string }[]): Promise<KitFile[]> {
  const out: KitFile[] = [];
  for (const blob of blobs) {
    const bytes = await store.readBlob(blob.oid);
    out.push({ path: blob.path, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  return out;
}

/** Where the kit comes from: the commit, its first-parent depth (the kit's sequence) and its committer time. */
async function describeSource(store: GitStore, commit: string, ref: string): Promise<Omit<KitSource, 'trustAnchor'>> {
  const tip = await store.readCommit(commit);
  let sequence = 1;
  for (let parent = tip.parents[0]; parent !== undefined; parent = (await store.readCommit(parent)).parents[0]) sequence += 1;
  return { commit, ref, sequence, committed: new Date(tip.time * 1000).toISOString() };
}
