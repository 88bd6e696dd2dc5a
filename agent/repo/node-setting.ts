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
import { resolve } from 'node:path';
import { GitStore } from '../../core/git/git-store.js';

/** The git config key holding the node name. */
export const NODE_CONFIG_KEY = 'stella.node';

/**
 * The node persisted for the repository at `dir`, or undefined (none set, or no repository there).
 * @example await readRepoNode('./state') // 'edge-1'
 */
export async function readRepoNode(dir: string): Promise<string | undefined> {
  return new GitStore({ fs, dir: resolve(dir) }).getConfig(NODE_CONFIG_KEY);
}

/**
 * Persists `node` for the repository at `dir` (which must exist; the name is checked by the caller).
 * @example await writeRepoNode('./state', 'edge-1');
 */
export async function writeRepoNode(dir: string, node: string): Promise<void> {
  await new GitStore({ fs, dir: resolve(dir) }).setConfig(NODE_CONFIG_KEY, node);
}
