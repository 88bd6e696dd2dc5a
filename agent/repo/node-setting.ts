/**
 * The node a state repository clone works as, kept in its `.git/config` as
 * `stella.node` (beside `stella.signingkey`): set by `stella init --node`
 * and `stella config set node`, read by every command that needs a node.
 * Local to the clone, never committed: another clone of the same
 * repository is another node.
 *
 * @example
 *   await writeRepoNode('./state', 'edge-1');
 *   await readRepoNode('./state'); // 'edge-1'
 */
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import git from 'isomorphic-git';

/** The git config key holding the node name. */
export const NODE_CONFIG_KEY = 'stella.node';

/**
 * The node persisted for the repository at `dir`, or undefined (none set, or no repository there).
 * @example await readRepoNode('./state') // 'edge-1'
 */
export async function readRepoNode(dir: string): Promise<string | undefined> {
  const value: unknown = await git.getConfig({ fs, gitdir: join(resolve(dir), '.git'), path: NODE_CONFIG_KEY }).catch(() => undefined);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Persists `node` for the repository at `dir` (which must exist; the name is checked by the caller).
 * @example await writeRepoNode('./state', 'edge-1');
 */
export async function writeRepoNode(dir: string, node: string): Promise<void> {
  await git.setConfig({ fs, gitdir: join(resolve(dir), '.git'), path: NODE_CONFIG_KEY, value: node });
}
