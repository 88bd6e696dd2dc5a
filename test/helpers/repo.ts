/**
 * Temporary state repositories for tests, and the real `git` as a checker.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SigningKey } from '../../core/sign/keys.js';
import { loadKey } from '../../agent/repo/keystore.js';
import { initStateRepo, type StateRepo } from '../../agent/repo/state-repo.js';

const execFileAsync = promisify(execFile);

export interface TempRepo {
  root: string;
  home: string;
  repo: StateRepo;
  key: SigningKey;
  node: string;
  cleanup(): Promise<void>;
}

export async function tempRepo(node = 'test-node'): Promise<TempRepo> {
  const root = await mkdtemp(join(tmpdir(), 'stella-test-'));
  const home = join(root, 'home');
  const { repo, keyId } = await initStateRepo(join(root, 'state'), { node, home });
  const key = await loadKey(home, keyId);
  return { root, home, repo, key, node, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Runs native git (asynchronously: never block a process that may serve git). */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, maxBuffer: 256 << 20 });
  return stdout;
}

/** `git fsck --strict`: throws with git's output when the repository is not clean. */
export async function fsckStrict(dir: string): Promise<void> {
  await execFileAsync('git', ['fsck', '--strict', '--no-dangling'], { cwd: dir, maxBuffer: 64 << 20 });
}
