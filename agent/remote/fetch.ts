/**
 * Fetching one remote branch: ask `git-upload-pack` for the tip, name the
 * commits we already have, and take a *thin* pack — one whose deltas may
 * refer to objects we have — so a folder tree that gained one report comes
 * over as a few bytes of delta, not the whole listing.
 *
 * isomorphic-git's `fetch` cannot do that (it refuses thin packs because
 * it cannot complete them for native git) and tells the server about one
 * local ref only. Here the pack is completed before it is stored (the
 * whole bases its thin deltas need are appended, as `index-pack --fix-thin`
 * does, by `core/git/pack-store.ts`, the same code a bundle import uses), so
 * both isomorphic-git and native git read the repository afterwards.
 *
 * @example
 *   const tip = await fetchBranch(session, store, 'agents/node-1', advertisedOid, capabilities);
 */
import { StellaError } from '../../core/errors.js';
import type { GitStore } from '../../core/git/git-store.js';
import { verifyPack } from '../../core/git/pack-file.js';
import { storePack } from '../../core/git/pack-store.js';
import { postService } from '../../core/git/smart-http.js';
import { toolVersion } from '../package-root.js';
import { packLimits } from '../repo/pack-limits.js';
import { MAIN_BRANCH } from '../repo/state-repo.js';
import { concat, FLUSH, pktLine } from '../../core/git/pkt-line.js';
import { trackingRef } from './remote.js';
import type { Session } from './session.js';

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
    const pack = await requestPack(session, store, branch, advertised, capabilities);
    await keepPack(store, pack, `${session.remote.url} ${branch}`);
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

async function requestPack(session: Session, store: GitStore, branch: string, want: string, capabilities: ReadonlySet<string>): Promise<Uint8Array> {
  const sideband = capabilities.has('side-band-64k') ? 'side-band-64k' : capabilities.has('side-band') ? 'side-band' : undefined;
  const offered = ['thin-pack', 'ofs-delta', 'no-progress'].filter((c) => capabilities.has(c));
  const caps = [...offered, ...(sideband === undefined ? [] : [sideband]), ...(hasAgent(capabilities) ? [`agent=stella-mesh/${toolVersion()}`] : [])];
  const haves = await localHaves(store, session);
  const body = concat([pktLine(`want ${want} ${caps.join(' ')}\n`), FLUSH, ...haves.map((oid) => pktLine(`have ${oid}\n`)), pktLine('done\n')]);
  const response = await session.guard(`fetching ${branch}`, () => postService(session.transport, session.remote.url, 'upload-pack', body));
  return extractPack(response, sideband !== undefined, `${session.remote.url} ${branch}`);
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

/** Skips the ACK/NAK lines, then joins the side-band data channel (or takes the raw rest) into the pack. */
function extractPack(response: Uint8Array, sideband: boolean, where: string): Uint8Array {
  const decoder = new TextDecoder();
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < response.length) {
    if (!sideband && decoder.decode(response.subarray(at, at + 4)) === 'PACK') return response.subarray(at);
    const length = Number.parseInt(decoder.decode(response.subarray(at, at + 4)), 16);
    if (!Number.isInteger(length) || (length !== 0 && length < 4) || at + Math.max(length, 4) > response.length) {
      throw new StellaError('REPO_INVALID', `${where}: malformed upload-pack response at byte ${at}`);
    }
    if (length === 0) {
      at += 4;
      continue;
    }
    const payload = response.subarray(at + 4, at + length);
    at += length;
    const head = decoder.decode(payload.subarray(0, 4));
    // Negotiation lines come before the pack; side-band packets start with a band byte 1–3 instead.
    if (head === 'NAK\n' || head === 'ACK ') continue;
    if (head === 'ERR ') throw new StellaError('REPO_INVALID', `${where}: the server said ${decoder.decode(payload).trim()}`);
    if (!sideband) throw new StellaError('REPO_INVALID', `${where}: unexpected line before the pack`);
    const band = payload[0];
    if (band === 1) parts.push(payload.subarray(1));
    else if (band === 3) throw new StellaError('REPO_INVALID', `${where}: the server failed: ${decoder.decode(payload.subarray(1)).trim()}`);
    // band 2 is progress text: nothing to keep.
  }
  if (parts.length === 0) throw new StellaError('REPO_INVALID', `${where}: the server sent no pack`);
  return concat(parts);
}

/** Checks the pack, completes it if thin, and keeps it under objects/pack (shared with bundle import). */
async function keepPack(store: GitStore, pack: Uint8Array, where: string): Promise<void> {
  const { objects } = await verifyPack(pack, where);
  if (objects > 0) await storePack(store, pack, objects, where, packLimits);
}

function hasAgent(capabilities: ReadonlySet<string>): boolean {
  return [...capabilities].some((c) => c === 'agent' || c.startsWith('agent='));
}
