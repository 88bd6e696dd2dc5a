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
 * does), then indexed with isomorphic-git's `indexPack`, so both
 * isomorphic-git and native git read the repository afterwards.
 *
 * @example
 *   const tip = await fetchBranch(session, store, 'agents/node-1', advertisedOid, capabilities);
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { StellaError } from '../../core/errors.js';
import type { GitStore } from '../../core/store/git-store.js';
import { toolVersion } from '../package-root.js';
import { MAIN_BRANCH } from '../repo/state-repo.js';
import { hasCommit } from './history.js';
import { completeThinPack, scanPack, type ObjectType } from './packfile.js';
import { concat, FLUSH, pktLine } from './pkt-line.js';
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
  if (!(await hasCommit(store, advertised))) {
    const pack = await requestPack(session, store, branch, advertised, capabilities);
    await storePack(store, pack, `${session.remote.url} ${branch}`);
    if (!(await hasCommit(store, advertised))) {
      throw new StellaError('REPO_INVALID', `fetching ${branch} from ${session.remote.url} did not bring commit ${advertised.slice(0, 12)}`, {
        data: { remote: session.remote.url, branch },
      });
    }
  }
  await git.writeRef({ fs: store.fs, gitdir: store.gitdir, ref: trackingRef(session.remote, branch), value: advertised, force: true });
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
  const response = await session.guard(`fetching ${branch}`, async () => {
    const res = await session.http.request({
      url: `${session.remote.url}/git-upload-pack`,
      method: 'POST',
      headers: {
        'content-type': 'application/x-git-upload-pack-request',
        accept: 'application/x-git-upload-pack-result',
        'content-length': String(body.length),
        ...session.auth.headers(),
      },
      body: (async function* () {
        yield body;
      })(),
    });
    const parts: Uint8Array[] = [];
    for await (const chunk of res.body ?? []) parts.push(chunk);
    if (res.statusCode !== 200) {
      throw Object.assign(new Error(`HTTP ${res.statusCode} ${res.statusMessage}`), { code: 'HttpError', data: { statusCode: res.statusCode } });
    }
    return concat(parts);
  });
  return extractPack(response, sideband !== undefined, `${session.remote.url} ${branch}`);
}

/** Tips we have that the remote probably has too: what we last saw of it, and our own branches. */
async function localHaves(store: GitStore, session: Session): Promise<string[]> {
  const refs: string[] = [];
  const remoteBranches = await git.listBranches({ fs: store.fs, gitdir: store.gitdir, remote: session.remote.name }).catch(() => [] as string[]);
  refs.push(...remoteBranches.filter((b) => b !== 'HEAD').map((b) => trackingRef(session.remote, b)));
  refs.push(`refs/heads/${MAIN_BRANCH}`, ...(await git.listBranches({ fs: store.fs, gitdir: store.gitdir }).catch(() => [] as string[])).map((b) => `refs/heads/${b}`));
  const oids = new Set<string>();
  for (const ref of refs) {
    if (oids.size >= MAX_HAVES) break;
    const oid = await git.resolveRef({ fs: store.fs, gitdir: store.gitdir, ref }).catch(() => undefined);
    if (oid !== undefined && (await hasCommit(store, oid))) oids.add(oid);
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

/** Completes a thin pack with the local bases it refers to, writes it under objects/pack/ and indexes it. */
async function storePack(store: GitStore, pack: Uint8Array, where: string): Promise<void> {
  const { count, entries } = scanPack(pack, where);
  const inPack = new Set(entries.flatMap((e) => (e.oid === undefined ? [] : [e.oid])));
  const bases: { type: ObjectType; data: Uint8Array }[] = [];
  for (const base of new Set(entries.flatMap((e) => (e.base === undefined || inPack.has(e.base) ? [] : [e.base])))) {
    const object = await git.readObject({ fs: store.fs, gitdir: store.gitdir, oid: base, format: 'content', cache: store.cache }).catch(() => undefined);
    // A base we lack is either another delta in this pack (resolved by the indexer) or missing (caught below).
    if (object !== undefined && object.object instanceof Uint8Array) bases.push({ type: object.type as ObjectType, data: object.object });
  }
  const complete = completeThinPack(pack, bases);
  const name = `pack-${Buffer.from(complete.subarray(complete.length - 20)).toString('hex')}`;
  const packDir = join(store.gitdir, 'objects', 'pack');
  await mkdir(packDir, { recursive: true });
  await writeFile(join(packDir, `${name}.pack`), complete);
  try {
    const { oids } = await git.indexPack({ fs: store.fs, dir: store.gitdir, gitdir: store.gitdir, filepath: join('objects', 'pack', `${name}.pack`), cache: store.cache });
    // indexPack skips objects it cannot resolve: a short index means a base was missing.
    if (oids.length !== count + bases.length) {
      throw new StellaError('REPO_INVALID', `${where}: only ${oids.length} of ${count + bases.length} fetched objects could be resolved`);
    }
  } catch (error) {
    await rm(join(packDir, `${name}.pack`), { force: true });
    await rm(join(packDir, `${name}.idx`), { force: true });
    throw error;
  }
}

function hasAgent(capabilities: ReadonlySet<string>): boolean {
  return [...capabilities].some((c) => c === 'agent' || c.startsWith('agent='));
}
