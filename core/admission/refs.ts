/**
 * Which refs may be moved from outside (a pull, a bundle, a kit, the edge):
 * `main` and `agents/<node>` — as local branches, or as the same names
 * under `refs/remotes/<remote>/`. Nothing else: a bundle that would create
 * `refs/tags/v1`, `refs/heads/release` or `refs/heads/agents/a/b` is
 * refused, because no command of the mesh reads such refs and every one of
 * them is a place to park unchecked history next to checked history.
 *
 * @example
 *   branchOf('refs/heads/agents/edge-1') // { $case: 'agent', node: 'edge-1' }
 *   branchOf('refs/tags/v1')             // undefined
 */
import type { Admission } from './types.js';

/** A node name as a branch and folder may carry it (what `stella init --node` accepts, and no more). */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The branch kind a full ref name moves, or undefined when it may not be moved from outside. */
export function branchOf(ref: string): Admission['branch'] | undefined {
  let branch: string;
  if (ref.startsWith('refs/heads/')) branch = ref.slice('refs/heads/'.length);
  else {
    const remote = /^refs\/remotes\/[^/]+\/(.+)$/.exec(ref);
    if (remote === null) return undefined;
    branch = remote[1] as string;
  }
  if (branch === 'main') return { $case: 'main' };
  const agent = /^agents\/([^/]+)$/.exec(branch);
  if (agent === null) return undefined;
  const node = agent[1] as string;
  return NODE_NAME.test(node) && !node.endsWith('.lock') && !node.includes('..') ? { $case: 'agent', node } : undefined;
}
