/**
 * The fetching half of the smart-HTTP protocol: one request to
 * `git-upload-pack` naming the commit we want and the commits we have, and
 * a *thin* pack back — one whose deltas may refer to objects we have — so a
 * folder tree that gained one report comes over as a few bytes of delta,
 * not the whole listing.
 *
 * isomorphic-git's `fetch` cannot do that (it refuses thin packs because it
 * cannot complete them for native git) and tells the server about one local
 * ref only. Here the pack is taken out of the side band as the response
 * arrives and streamed into a spool, then held to the size limits,
 * completed and kept by `publishPack` (the same code a bundle import uses),
 * so both isomorphic-git and native git read the repository afterwards.
 * Which commits to name as "have" is the caller's choice.
 *
 * @example
 *   await fetchPack(endpoint, store, { want: tip, haves: [localMain], capabilities, limits, where: 'main' });
 */
import { StellaError } from '../errors.js';
import type { ObjectSource } from './object-reader.js';
import type { PackLimits } from './pack-limits.js';
import { publishPack, stagePack } from './pack-store.js';
import { concat, FLUSH, pktLength, pktLine } from './pkt-line.js';
import { postServiceStream, type Endpoint } from './smart-http.js';

export interface FetchRequest {
  /** The commit to bring. */
  want: string;
  /** Commits we have (the server leaves out what they reach, and may send deltas against them). */
  haves: readonly string[];
  /** From the remote's upload-pack advertisement. */
  capabilities: ReadonlySet<string>;
  limits: PackLimits;
  /**
   * Whether the pack may be thin (default true). A store that no longer
   * holds everything its haves reach (the Worker's mirror drops blobs the
   * remote has) asks for a whole pack: a delta against a dropped object
   * could not be completed.
   */
  thin?: boolean;
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
  const offered = [...(request.thin === false ? [] : ['thin-pack']), 'ofs-delta', 'no-progress'].filter((c) => capabilities.has(c));
  const caps = [...offered, ...(sideband === undefined ? [] : [sideband]), ...(hasAgent(capabilities) && endpoint.agent !== undefined ? [`agent=${endpoint.agent}`] : [])];
  const body = concat([pktLine(`want ${request.want} ${caps.join(' ')}\n`), FLUSH, ...request.haves.map((oid) => pktLine(`have ${oid}\n`)), pktLine('done\n')]);
  const response = await postServiceStream(endpoint.transport, endpoint.url, 'upload-pack', body);
  const pack = demuxPack(response, sideband !== undefined, request.where);
  const staged = await stagePack(store, pack, request.where, request.limits);
  if (staged.info.objects === 0) await staged.discard();
  else await publishPack(store, staged, request.where, request.limits);
}

/** Reads pkt-lines from `chunks` one by one: `take(n)` resolves to the next n bytes, or fewer at the end. */
class ChunkReader {
  private pending: Uint8Array = new Uint8Array(0);
  private readonly iterator: AsyncIterator<Uint8Array>;
  read = 0;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  async take(n: number): Promise<Uint8Array> {
    while (this.pending.length < n) {
      const { done, value } = await this.iterator.next();
      if (done) break;
      this.pending = this.pending.length === 0 ? value : concat([this.pending, value]);
    }
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(out.length);
    this.read += out.length;
    return out;
  }

  /** Stops the response (a refused pack: the rest is not downloaded). */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }

  /** What is left, as it comes. */
  async *rest(): AsyncGenerator<Uint8Array> {
    if (this.pending.length > 0) yield this.pending;
    this.pending = new Uint8Array(0);
    for (;;) {
      const { done, value } = await this.iterator.next();
      if (done) return;
      yield value;
    }
  }
}

/** Skips the ACK/NAK lines, then yields the side-band data channel (or the raw rest) as the pack, piece by piece. */
async function* demuxPack(response: AsyncIterable<Uint8Array>, sideband: boolean, where: string): AsyncGenerator<Uint8Array> {
  const reader = new ChunkReader(response);
  try {
    yield* packets(reader, sideband, where);
  } finally {
    await reader.close();
  }
}

async function* packets(reader: ChunkReader, sideband: boolean, where: string): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder();
  let sent = false;
  for (;;) {
    const at = reader.read;
    const head = await reader.take(4);
    if (head.length === 0) break;
    if (!sideband && decoder.decode(head) === 'PACK') {
      yield head;
      yield* reader.rest();
      return;
    }
    const length = pktLength(head);
    if (head.length < 4 || !Number.isInteger(length) || (length !== 0 && length < 4)) {
      throw new StellaError('REPO_INVALID', `${where}: malformed upload-pack response at byte ${at}`);
    }
    if (length === 0) continue;
    const payload = await reader.take(length - 4);
    if (payload.length < length - 4) throw new StellaError('REPO_INVALID', `${where}: malformed upload-pack response at byte ${at}`);
    const text = decoder.decode(payload.subarray(0, 4));
    // Negotiation lines come before the pack; side-band packets start with a band byte 1–3 instead.
    if (text === 'NAK\n' || text === 'ACK ') continue;
    if (text === 'ERR ') throw new StellaError('REPO_INVALID', `${where}: the server said ${decoder.decode(payload).trim()}`);
    if (!sideband) throw new StellaError('REPO_INVALID', `${where}: unexpected line before the pack`);
    const band = payload[0];
    if (band === 1) {
      sent = true;
      // A copy: the reader's buffer is reused for the next packet.
      yield payload.slice(1);
    } else if (band === 3) throw new StellaError('REPO_INVALID', `${where}: the server failed: ${decoder.decode(payload.subarray(1)).trim()}`);
    // band 2 is progress text: nothing to keep.
  }
  if (!sent) throw new StellaError('REPO_INVALID', `${where}: the server sent no pack`);
}

function hasAgent(capabilities: ReadonlySet<string>): boolean {
  return [...capabilities].some((c) => c === 'agent' || c.startsWith('agent='));
}
