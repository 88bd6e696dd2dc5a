/**
 * The sending half of a push: one ref update and a pack of exactly the
 * objects the remote lacks, posted to `git-receive-pack` over smart HTTP.
 *
 * isomorphic-git's `push` decides what to send by listing every object of
 * every tree involved, which costs as much as the repository, and sends
 * every object whole; here the objects come from `tree-diff.ts` (only the
 * changed paths) and a changed tree or file goes as a delta against its
 * previous version (a thin pack), so a push of one report costs the same in
 * a small repository and a large one. The update
 * names the old value the remote must still have (compare-and-swap on the
 * server), so a concurrent writer makes it fail instead of being overwritten.
 *
 * @example
 *   const pack = await buildPack(store, objects, capabilities);
 *   const outcome = await sendPack({ transport: fetch, url }, { ref: 'refs/heads/agents/n1', oldOid, newOid }, pack, capabilities);
 *   if (outcome.status === 'rejected') … // someone else moved the ref: fetch, replay, retry
 */
import { StellaError } from '../errors.js';
import { applyDelta, createDelta } from './delta.js';
import type { GitStore } from './git-store.js';
import { objectId, writePack, type PackInput, type PackWriteOptions } from './pack-file.js';
import { concat, FLUSH, parsePktLines, pktLength, pktLine } from './pkt-line.js';
import { postService, type Endpoint } from './smart-http.js';

export const ZERO_OID = '0000000000000000000000000000000000000000';

export interface PushUpdate {
  ref: string;
  /** What the remote's ref must still be (ZERO_OID: must not exist yet). */
  oldOid: string;
  newOid: string;
}

/** Commits, trees and blobs to send; `base` is an object the remote has (or gets in this pack) to send a delta against. */
export type PackObjects = readonly { oid: string; base?: string }[];

export type SendOutcome = { status: 'ok'; packBytes: number } | { status: 'rejected'; reason: string; packBytes: number };

/**
 * Posts one ref update and its pack (from `buildPack`) to `git-receive-pack`;
 * `rejected` when the server refused the update (with its reason).
 *
 * @example await sendPack(endpoint, { ref, oldOid: remoteTip, newOid: localTip }, await buildPack(store, objects, capabilities), capabilities);
 */
export async function sendPack(endpoint: Endpoint, update: PushUpdate, packfile: Uint8Array, capabilities: ReadonlySet<string>): Promise<SendOutcome> {
  const remote = endpoint;
  if (!capabilities.has('report-status')) {
    throw new StellaError('REPO_INVALID', `remote ${remote.url} does not report push status (no report-status capability); refusing to push blind`);
  }
  // Side band: the server's keep-alive packets then hold the connection open while it indexes a large pack.
  const sideband = capabilities.has('side-band-64k');
  const wanted = ['report-status', ...(sideband ? ['side-band-64k'] : []), ...(capabilities.has('agent') && endpoint.agent !== undefined ? [`agent=${endpoint.agent}`] : [])];
  const body = concat([pktLine(`${update.oldOid} ${update.newOid} ${update.ref}\0${wanted.join(' ')}\n`), FLUSH, packfile]);

  const response = await postService(endpoint.transport, endpoint.url, 'receive-pack', body);
  const status = sideband ? demultiplex(remote.url, response) : response;
  return { ...readStatus(remote.url, update.ref, status), packBytes: packfile.length };
}

/** Smaller than this share of the whole object, a delta is worth sending. */
const DELTA_WORTH = 0.75;

/**
 * The pack for `objects`: whole objects, or deltas against their base when
 * that is much smaller and the remote takes thin packs (no `no-thin`);
 * `options` as `writePack` takes them (stored small entries, pauses).
 *
 * @example const pack = await buildPack(store, [{ oid: commit }, { oid: tree, base: parentTree }], capabilities);
 */
export async function buildPack(store: GitStore, objects: PackObjects, capabilities: ReadonlySet<string>, options: PackWriteOptions = {}): Promise<Uint8Array> {
  const thin = !capabilities.has('no-thin');
  const inputs: PackInput[] = [];
  const seen = new Set<string>();
  for (const { oid, base } of objects) {
    if (seen.has(oid)) continue;
    if (seen.size % OBJECTS_PER_PAUSE === OBJECTS_PER_PAUSE - 1) await options.pause?.();
    seen.add(oid);
    const object = await store.readObject(oid);
    if (thin && base !== undefined && (object.type === 'tree' || object.type === 'blob')) {
      const baseObject = await store.readObject(base);
      const delta = createDelta(baseObject.data, object.data, object.type === 'tree' ? 'tree' : 'lines');
      if (delta.length < object.data.length * DELTA_WORTH) {
        // A wrong delta would store a different object under this id on the remote: check before sending.
        if ((await objectId(object.type, applyDelta(baseObject.data, delta))) !== oid) throw new StellaError('INTERNAL', `delta for ${oid} against ${base} does not rebuild it`);
        inputs.push({ type: 'ref-delta', base, data: delta });
        continue;
      }
    }
    inputs.push(object);
  }
  return writePack(inputs, options);
}

/** Objects read (and perhaps deltified) between two `pause` calls of `buildPack`. */
const OBJECTS_PER_PAUSE = 32;

/** Reads `unpack ok` and the `ok <ref>` / `ng <ref> <reason>` line for our ref. */
function readStatus(url: string, ref: string, bytes: Uint8Array): { status: 'ok' } | { status: 'rejected'; reason: string } {
  const lines = parsePktLines(bytes, `push status from ${url}`)
    .filter((line): line is string => line !== null)
    .map((line) => line.replace(/\n$/, ''));
  const unpack = lines.find((line) => line.startsWith('unpack '));
  if (unpack === undefined) throw new StellaError('REPO_INVALID', `remote ${url} sent no push status for ${ref}`);
  // A pack the server could not store (a delta base it lacks, a bad object) fails every ref in it; the caller decides.
  if (unpack !== 'unpack ok') return { status: 'rejected', reason: `pack not stored: ${unpack.slice('unpack '.length)}` };
  for (const line of lines) {
    if (line === `ok ${ref}`) return { status: 'ok' };
    if (line.startsWith(`ng ${ref} `)) return { status: 'rejected', reason: line.slice(`ng ${ref} `.length) };
  }
  throw new StellaError('REPO_INVALID', `remote ${url} did not say whether ${ref} was updated`, { data: { remote: url, ref } });
}

/** The data channel of a side-band response; the server's error channel becomes an error. */
function demultiplex(url: string, response: Uint8Array): Uint8Array {
  const data: Uint8Array[] = [];
  const decoder = new TextDecoder();
  let at = 0;
  while (at + 4 <= response.length) {
    const length = pktLength(response, at);
    if (!Number.isInteger(length) || (length !== 0 && length < 4) || at + Math.max(length, 4) > response.length) {
      throw new StellaError('REPO_INVALID', `remote ${url} sent a malformed push response at byte ${at}`);
    }
    if (length <= 4) {
      at += 4;
      continue;
    }
    const band = response[at + 4];
    const payload = response.subarray(at + 5, at + length);
    at += length;
    if (band === 1) data.push(payload);
    else if (band === 3) throw new StellaError('REPO_INVALID', `remote ${url} failed the push: ${decoder.decode(payload).trim()}`, { data: { remote: url } });
    // band 2: progress and hook output, for people watching a terminal.
  }
  return concat(data);
}
