/**
 * `stella sync import BUNDLE --repo NEWDIR`: a new site's state repository
 * made from a bundle, the air-gapped counterpart of `git clone`. The bundle
 * is imported into an empty repository built in a temporary sibling folder,
 * through the same admission as every import (its `main` becomes the trust
 * anchor of the site — trust on first use, so check the root's key ids out
 * of band), the work tree is checked out, and only then is the folder
 * renamed into place: a refusal leaves nothing behind.
 *
 * @example
 *   const summary = await seedFromBundle('/srv/site', '/media/usb/site.bundle');
 */
import * as fs from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StellaError } from '../../core/errors.js';
import { GitStore } from '../../core/git/git-store.js';
import { initRepository } from '../../core/git/work-index.js';
import { MAIN_BRANCH, openStateRepo, type StateRepo } from '../repo/state-repo.js';
import { importBundleFile, type ImportSummary, type SyncProgress } from './import.js';

/** True when `dir` does not exist or is an empty folder: the place a new site may be seeded. */
export async function isSeedTarget(dir: string): Promise<boolean> {
  const stats = await stat(dir).catch(() => undefined);
  if (stats === undefined) return true;
  return stats.isDirectory() && (await readdir(dir)).length === 0;
}

/** Creates the repository at `dir` from the bundle at `file` (see the module comment). */
export async function seedFromBundle(dir: string, file: string, onProgress?: SyncProgress): Promise<ImportSummary & { repo: StateRepo }> {
  const root = resolve(dir);
  if (!(await isSeedTarget(root))) throw new StellaError('REPO_EXISTS', `${root}: not empty; a new site is seeded into an empty or missing folder`);
  const staging = join(dirname(root), `.${basename(root)}.seed-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(staging, { recursive: true });
  try {
    await initRepository({ fs, dir: staging }, MAIN_BRANCH);
    const store = new GitStore({ fs, dir: staging });
    const repo: StateRepo = { dir: staging, store, signingKeyId: undefined, cacheDir: join(store.gitdir, 'stella') };
    const summary = await importBundleFile(repo, file, { onProgress });
    if ((await store.branchTip(MAIN_BRANCH)) === undefined) {
      throw new StellaError('REPO_INVALID', `${file}: carries no ${MAIN_BRANCH} branch, so it cannot seed a site (export it with \`stella sync export\` on a full repository)`);
    }
    await rm(root, { recursive: true, force: true }); // an empty folder, checked above
    await rename(staging, root);
    return { ...summary, repo: await openStateRepo(root) };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
