/**
 * The fetching half of the smart-HTTP protocol: one request to
 * `git-upload-pack` naming the commit we want and the commits we have, and
 * a *thin* pack back — one whose deltas may refer to objects we have — so a
 * folder tree that gained one report comes over as a few bytes of delta,
 * not the whole listing.
 *
 * isomorphic-git's `fetch` cannot do that (it refuses thin packs because it
 * cannot complete them for native git) and tells the server about one local
 * ref only. Here the pack is held to the size limits, completed and kept by
 * `storePack` (the same code a bundle import uses), so both isomorphic-git
 * and native git read the repository afterwards. Which commits to name as
 * "have" is the caller's choice.
 *
 * @example
 *   await fetchPack(endpoint, store, { want: tip, haves: [localMain], capabilities, limits, where: 'main' });
 */
import { StellaError } from '../errors.js';
import type { ObjectSource } from './object-reader.js';
import { verifyPack } from './pack-file.js';
import type { PackLimits } from './pack-limits.js';
import { storePack } from './pack-store.js';
import { concat, FLUSH, pktLine } from './pkt-line.js';
import { postService, type Endpoint } from './smart-http.js';

export interface FetchRequest {
  /** The commit to bring. */
  want: string;
  /** Commits we have (the server leaves out what they reach, and may send deltas against them). */
  haves: readonly string[];
  /** From the remote's upload-pack advertisement. */
  capabilities: ReadonlySet<string>;
  limits: PackLimits;
  /** For messages: what is fetched from where. */
  where: string;
}

/**
 * Asks `git-upload-pack` for `want` and keeps the pack it sends under
 * objects/pack (checked, held to `limits`, completed if thin).
 *
 * @example await fetchPack({ transport: fetch, url }, store, { want, haves, capabilities, limits, where: `${url} main` });
 */
export async function fetchPack(endpoint: Endpoint, store: ObjectSource, request: FetchRequest): Promise<void> {
  const { capabilities } = request;
  const sideband = capabilities.has('side-band-64k') ? 'side-band-64k' : capabilities.has('side-band') ? 'side-band' : undefined;
  const offered = ['thin-pack', 'ofs-delta', 'no-progress'].filter((c) => capabilities.has(c));
  const caps = [...offered, ...(sideband === undefined ? [] : [sideband]), ...(hasAgent(capabilities) && endpoint.agent !== undefined ? [`agent=${endpoint.agent}`] : [])];
  const body = concat([pktLine(`want ${request.want} ${caps.join(' ')}\n`), FLUSH, ...request.haves.map((oid) => pktLine(`have ${oid}\n`)), pktLine('done\n')]);
  const response = await postService(endpoint.transport, endpoint.url, 'upload-pack', body);
  const pack = extractPack(response, sideband !== undefined, request.where);
  const { objects } = await verifyPack(pack, request.where);
  if (objects > 0) await storePack(store, pack, objects, request.where, request.limits);
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

function hasAgent(capabilities: ReadonlySet<string>): boolean {
  return [...capabilities].some((c) => c === 'agent' || c.startsWith('agent='));
}
