/**
 * Creating and opening a state repository on disk. The repository is an
 * ordinary Git repository (a work tree on `main`), so people can clone it,
 * read it and review it; agents write through the object store and never
 * need the work tree.
 *
 * @example
 *   const repo = await initStateRepo('./state', { node: 'edge-1', home });
 *   const same = await openStateRepo('./state');
 */
import * as fs from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { StellaError } from '../../core/errors.js';
import { GitStore } from '../../core/git/git-store.js';
import { commitStaged, initRepository, stageFiles } from '../../core/git/work-index.js';
import { formatRoot, rfc3339, ROOT_PATH } from '../../core/trust/root.js';
import { initialRoot } from '../../core/trust/stage.js';
import { packageRoot } from '../package-root.js';
import { createKey } from './keystore.js';
import { objectFiles } from './object-files.js';

export const MAIN_BRANCH = 'main';
export const SETTINGS_PATH = 'stella.yaml';

export interface StateRepo {
  dir: string;
  store: GitStore;
  /** Key id of this clone's signing key (local git config `stella.signingkey`). */
  signingKeyId: string | undefined;
  /** Folder for local caches that are never committed (`.git/stella/`). */
  cacheDir: string;
}

/** How long a trust root version stays valid unless renewed (`stella trust renew`). */
export const DEFAULT_ROOT_VALID_DAYS = 365;
const DAY_MS = 86_400_000;

export const AGENT_IDENTITY = { name: 'Stella agent', email: 'agent@stella.invalid' };

export async function openStateRepo(dir: string): Promise<StateRepo> {
  const root = resolve(dir);
  const gitdir = join(root, '.git');
  if (!(await isDirectory(gitdir))) {
    throw new StellaError('REPO_NOT_FOUND', `${root}: not a state repository (no .git folder); create one with \`stella init ${dir}\``);
  }
  const store = new GitStore({ fs, dir: root, gitdir, files: objectFiles });
  // A CI checkout of a pull request may have no local main: HEAD then says what this is.
  const tip = (await store.branchTip(MAIN_BRANCH)) ?? (await store.resolve('HEAD'));
  if (tip === undefined || (await store.readFile(tip, SETTINGS_PATH)) === undefined) {
    throw new StellaError('REPO_INVALID', `${root}: not a Stella state repository (no ${SETTINGS_PATH} on ${MAIN_BRANCH})`);
  }
  const signingKeyId = await store.getConfig('stella.signingkey');
  return { dir: root, store, signingKeyId, cacheDir: join(gitdir, 'stella') };
}

/**
 * Creates a new state repository from `state-repo-template/` with a fresh
 * signing key for `node`, enrolled in `trust/root.json` version 1 (see
 * state-repo-template/trust/README.md). Built in a temporary sibling folder and renamed
 * into place, so a failure leaves nothing behind.
 */
export async function initStateRepo(dir: string, options: { node: string; home: string; rootValidDays?: number }): Promise<{ repo: StateRepo; keyId: string }> {
  const root = resolve(dir);
  if (await exists(root)) {
    const entries = (await isDirectory(root)) ? await readdir(root) : ['(a file)'];
    if (entries.length > 0) throw new StellaError('REPO_EXISTS', `${root} already exists and is not empty; choose a new folder`);
  }
  await mkdir(dirname(root), { recursive: true });
  const staging = join(dirname(root), `.${basename(root)}.stella-init-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    const key = await createKey(options.home);
    const files = await templateFiles();
    // Version 1 of the trust root, the anchor every later version chains from: this key is
    // the root, feeds and policies key and signs reports for this node.
    const expires = rfc3339(new Date(Date.now() + (options.rootValidDays ?? DEFAULT_ROOT_VALID_DAYS) * DAY_MS));
    files.set(ROOT_PATH, formatRoot(await initialRoot({ key, node: options.node, expires })));
    // stella.yaml needs the policies role's signature like any policy; this key holds that role.
    const settings = files.get(SETTINGS_PATH);
    // Loaded here: opening a repository (every command, the agent) needs no JWS library.
    const { signDetachedJws } = await import('../../core/sign/jws.js');
    if (settings !== undefined) files.set(`${SETTINGS_PATH}.jws`, new TextEncoder().encode(`${await signDetachedJws(settings, key)}\n`));
    await initRepository({ fs, dir: staging }, MAIN_BRANCH);
    const stagingStore = new GitStore({ fs, dir: staging });
    for (const [path, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), bytes);
      await stageFiles(stagingStore, [path]);
    }
    await stagingStore.setConfig('stella.signingkey', key.keyId);
    await stagingStore.setConfig('stella.node', options.node);
    await commitStaged(stagingStore, `Initialise state repository\n\nTrust root version 1: key ${key.keyId} holds the root, feeds and policies roles and signs reports for node ${options.node}.\n`, AGENT_IDENTITY);
    await rm(root, { recursive: true, force: true });
    await rename(staging, root);
    return { repo: await openStateRepo(root), keyId: key.keyId };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function templateFiles(): Promise<Map<string, Uint8Array>> {
  const base = join(packageRoot(), 'state-repo-template');
  const out = new Map<string, Uint8Array>();
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.set(relative(base, full).split(sep).join('/'), await readFile(full));
    }
  };
  await walk(base);
  return out;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
