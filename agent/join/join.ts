/**
 * `stella node join`: a new node's clone of an existing state repository,
 * in one step — seeded over smart HTTP(S) (as `stella pull` fetches) or from
 * a git bundle (as `stella sync import` reads one), checked like any
 * incoming main, given a fresh signing key kept under `$STELLA_HOME/keys`,
 * and configured (`stella.signingkey`, `stella.node`, origin for a URL).
 * The key is not trusted yet: an admin enrolls it (`stella trust enroll`).
 *
 * Built in a temporary sibling folder and renamed into place, so a failure
 * (unreachable remote, damaged bundle, a main that does not verify) leaves
 * neither a half clone nor an orphan key behind.
 *
 * @example
 *   const joined = await joinMesh(parseJoinSource('https://git.example/state.git'), { dir: './state', node: 'edge-2', home });
 *   // joined.publicKeyFile: hand it to an admin, who runs `stella trust enroll --node edge-2 --key FILE`
 */
import * as fs from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StellaError } from '../../core/errors.js';
import { GitStore } from '../../core/git/git-store.js';
import { initRepository } from '../../core/git/work-index.js';
import { trustedKeyIds } from '../../core/trust/lookup.js';
import { parseRoot, ROOT_PATH } from '../../core/trust/root.js';
import { verifyRepository } from '../../core/verify/verify-repo.js';
import type { Credentials } from '../remote/credentials.js';
import { pullState } from '../remote/pull.js';
import { ORIGIN, resolveRemote } from '../remote/remote.js';
import { importBundleFile } from '../sync/import.js';
import { createKey, savePublicKey } from '../repo/keystore.js';
import { writeRepoNode } from '../repo/node-setting.js';
import { MAIN_BRANCH, openStateRepo, type StateRepo } from '../repo/state-repo.js';

/** Where a node joins from: the mesh's repository URL, or a bundle file carried over an air gap. */
export type JoinSource = { $case: 'url'; url: string } | { $case: 'bundle'; file: string };

/** What the join did, for the command to report. */
export interface JoinResult {
  dir: string;
  node: string;
  keyId: string;
  /** The public half of the new key, for the admin's `stella trust enroll --key`. */
  publicKeyFile: string;
  /** main's commit the clone starts from. */
  main: string;
  /** Keys already enrolled for this node name (another machine, or an earlier join). */
  otherKeys: string[];
  /** Bundle refs left out (unsafe names, outside refs/heads and refs/tags). */
  skippedRefs: { name: string; reason: string }[];
}

/**
 * A URL for `http(s)://…`, a bundle file otherwise; other URL schemes are refused.
 * @example parseJoinSource('site.bundle') // { $case: 'bundle', file: 'site.bundle' }
 */
export function parseJoinSource(text: string): JoinSource {
  if (/^https?:\/\//i.test(text)) return { $case: 'url', url: text };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new StellaError('USAGE', `${text}: only http(s):// repository URLs and bundle files can be joined from`);
  }
  return { $case: 'bundle', file: text };
}

/**
 * The folder `git clone` would pick: the last path segment without `.git` or `.bundle`.
 * @example defaultJoinDir({ $case: 'url', url: 'https://git.example/acme/state.git' }) // 'state'
 */
export function defaultJoinDir(source: JoinSource): string {
  const path = source.$case === 'url' ? new URL(source.url).pathname : source.file;
  const name = basename(path.replace(/\/+$/, '')).replace(/\.(git|bundle)$/, '');
  return name === '' || name === '.' || name === '..' ? 'state' : name;
}

/**
 * Clones or seeds `options.dir` from `source`, then creates and configures the node's key.
 * Throws REPO_EXISTS for a non-empty folder, and whatever the fetch, import or check refused.
 * @example await joinMesh({ $case: 'bundle', file: 'site.bundle' }, { dir: 'state', node: 'edge-3', home })
 */
export async function joinMesh(
  source: JoinSource,
  options: { dir: string; node: string; home: string; credentials?: Credentials | undefined },
): Promise<JoinResult> {
  const root = resolve(options.dir);
  await assertEmptyTarget(root);
  await mkdir(dirname(root), { recursive: true });
  const staging = join(dirname(root), `.${basename(root)}.stella-join-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    await initRepository({ fs, dir: staging }, MAIN_BRANCH);
    const empty: StateRepo = { dir: staging, store: new GitStore({ fs, dir: staging }), signingKeyId: undefined, cacheDir: join(staging, '.git', 'stella') };
    const skippedRefs = source.$case === 'url' ? await seedFromUrl(empty, source.url, options) : await seedFromBundle(empty, source.file);
    // Refuses what is not a state repository (no stella.yaml on main).
    const seeded = await openStateRepo(staging);
    const main = (await seeded.store.branchTip(MAIN_BRANCH)) as string;
    const otherKeys = await enrolledKeys(seeded, main, options.node);
    const key = await createKey(options.home);
    const publicKeyFile = await savePublicKey(options.home, key);
    await seeded.store.setConfig('stella.signingkey', key.keyId);
    await writeRepoNode(staging, options.node);
    await rm(root, { recursive: true, force: true });
    await rename(staging, root);
    return { dir: root, node: options.node, keyId: key.keyId, publicKeyFile, main, otherKeys, skippedRefs };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** origin as `git clone` records it (so native git works in the clone too), then main and agents/<node> as `stella pull` brings them. */
async function seedFromUrl(repo: StateRepo, url: string, options: { node: string; credentials?: Credentials | undefined }): Promise<JoinResult['skippedRefs']> {
  // Checked (http(s), no credentials in it) before anything is written to the config.
  const checked = await resolveRemote(repo.store.gitdir, url);
  await repo.store.setConfig(`remote.${ORIGIN}.url`, checked.url);
  await repo.store.setConfig(`remote.${ORIGIN}.fetch`, `+refs/heads/*:refs/remotes/${ORIGIN}/*`);
  await repo.store.setConfig(`branch.${MAIN_BRANCH}.remote`, ORIGIN);
  await repo.store.setConfig(`branch.${MAIN_BRANCH}.merge`, `refs/heads/${MAIN_BRANCH}`);
  // pullState verifies the incoming main (trust chain, feeds, policies) before it moves anything.
  await pullState(repo, { node: options.node, remote: await resolveRemote(repo.store.gitdir), credentials: options.credentials });
  return [];
}

/** Every branch of the bundle, as `stella sync import` writes them, and main checked as a pull checks it. */
async function seedFromBundle(repo: StateRepo, file: string): Promise<JoinResult['skippedRefs']> {
  const summary = await importBundleFile(repo, file);
  const main = await repo.store.branchTip(MAIN_BRANCH);
  if (main === undefined) throw new StellaError('REPO_INVALID', `${file}: the bundle has no ${MAIN_BRANCH} branch; export it with \`stella sync export\``);
  const verified = await verifyRepository(repo.store, { main: MAIN_BRANCH, branches: [] });
  const first = verified.failures[0];
  if (first !== undefined) {
    throw new StellaError('VERIFY_FAILED', `${file}: ${MAIN_BRANCH} ${main.slice(0, 12)} does not verify (${first.where}: ${first.reason}); nothing joined`, {
      data: { file, failures: verified.failures.length },
    });
  }
  return summary.skipped.map((s) => ({ name: s.name, reason: s.reason }));
}

async function enrolledKeys(repo: StateRepo, main: string, node: string): Promise<string[]> {
  const bytes = await repo.store.readFile(main, ROOT_PATH);
  if (bytes === undefined) throw new StellaError('REPO_INVALID', `${repo.dir}: no ${ROOT_PATH} on ${MAIN_BRANCH}; a repository made by \`stella init\` has one`);
  return trustedKeyIds(parseRoot(bytes, `${MAIN_BRANCH}:${ROOT_PATH}`), 'reports', node);
}

async function assertEmptyTarget(root: string): Promise<void> {
  const info = await stat(root).catch(() => undefined);
  if (info === undefined) return;
  const entries = info.isDirectory() ? await readdir(root) : ['(a file)'];
  if (entries.length > 0) throw new StellaError('REPO_EXISTS', `${root} already exists and is not empty; choose a new folder`);
}
