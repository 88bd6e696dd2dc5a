/**
 * Fetching one remote branch for push and pull: which commits to name as
 * "have" (what we last saw of the remote, and our own branches), the
 * request itself through `core/git/fetch-pack.ts` (a thin pack, size-checked,
 * completed and kept), and the tracking ref afterwards.
 *
 * @example
 *   const tip = await fetchBranch(session, store, 'agents/node-1', advertisedOid, capabilities);
 */
import { StellaError } from '../../core/errors.js';
import { fetchPack } from '../../core/git/fetch-pack.js';
import type { GitStore } from '../../core/git/git-store.js';
import { packLimits } from '../repo/pack-limits.js';
import { MAIN_BRANCH } from '../repo/state-repo.js';
import { trackingRef } from './remote.js';
import { endpointOf, type Session } from './session.js';

/** Enough "have" lines to find common ground; more would only lengthen the request. */
const MAX_HAVES = 256;

/**
 * Brings `branch` at `advertised` (from the remote's upload-pack listing)
 * into the object store and its tracking ref; returns the fetched tip.
 *
 * @example const tip = await fetchBranch(session, store, 'main', refs.get('refs/heads/main'), capabilities);
 */
export async function fetchBranch(session: Session, store: GitStore, branch: string, advertised: string, capabilities: ReadonlySet<string>): Promise<string> {
  if (!(await store.hasCommit(advertised))) {
    const haves = await localHaves(store, session);
    const where = `${session.remote.url} ${branch}`;
    await session.guard(`fetching ${branch}`, () => fetchPack(endpointOf(session), store, { want: advertised, haves, capabilities, limits: packLimits, where }));
    if (!(await store.hasCommit(advertised))) {
      throw new StellaError('REPO_INVALID', `fetching ${branch} from ${session.remote.url} did not bring commit ${advertised.slice(0, 12)}`, {
        data: { remote: session.remote.url, branch },
      });
    }
  }
  await store.writeRef(trackingRef(session.remote, branch), advertised);
  return advertised;
}

/**
 * Fetches `branch` as the remote has it right now (a fresh upload-pack
 * listing: a tip seen earlier by receive-pack may be gone already);
 * undefined when the remote has no such branch.
 *
 * @example const onto = await fetchCurrent(session, store, 'agents/node-1');
 */
export async function fetchCurrent(session: Session, store: GitStore, branch: string): Promise<string | undefined> {
  const { refs, capabilities } = await session.listRefs('upload-pack');
  const tip = refs.get(`refs/heads/${branch}`);
  return tip === undefined ? undefined : fetchBranch(session, store, branch, tip, capabilities);
}

/** Tips we have that the remote probably has too: what we last saw of it, and our own branches. */
async function localHaves(store: GitStore, session: Session): Promise<string[]> {
  const refs: string[] = [];
  const remoteBranches = await store.listBranches(session.remote.name);
  refs.push(...remoteBranches.filter((b) => b !== 'HEAD').map((b) => trackingRef(session.remote, b)));
  refs.push(`refs/heads/${MAIN_BRANCH}`, ...(await store.listBranches()).map((b) => `refs/heads/${b}`));
  const oids = new Set<string>();
  for (const ref of refs) {
    if (oids.size >= MAX_HAVES) break;
    const oid = await store.readRef(ref).catch(() => undefined);
    if (oid !== undefined && (await store.hasCommit(oid))) oids.add(oid);
  }
  return [...oids];
}
