/**
 * The read side's view of the state repository: one in-memory mirror of
 * main and every `agents/*` branch per Worker isolate, synced at most once
 * per `FRESH_MS` (incrementally: only new objects travel). Reads are by
 * commit id, so a slightly old mirror serves correct bytes; it only lags
 * by that long in what "latest" means.
 *
 * @example const { remote, tips } = await readMirror(env);
 */
import type { Bindings } from '../env.js';
import { stateEndpoint } from '../git/endpoint.js';
import { StateRemote, type BranchTips } from '../git/state-remote.js';

/** How old the mirror's view of the branch tips may be (ms). */
const FRESH_MS = 1_000;

let mirror: { remote: StateRemote; url: string; tips: BranchTips; at: number; syncing?: Promise<BranchTips> | undefined } | undefined;

/** Branches the read side shows. */
export function isStateBranch(name: string): boolean {
  return name === 'main' || /^agents\/[^/]+$/.test(name);
}

/**
 * The isolate's mirror, synced when older than FRESH_MS (one sync at a time).
 * @example const { remote, tips } = await readMirror(env); tips.get('main')
 */
export async function readMirror(env: Bindings): Promise<{ remote: StateRemote; tips: BranchTips }> {
  const endpoint = stateEndpoint(env);
  if (mirror === undefined || mirror.url !== endpoint.url) mirror = { remote: new StateRemote(endpoint), url: endpoint.url, tips: new Map(), at: 0 };
  const current = mirror;
  if (Date.now() - current.at > FRESH_MS) {
    current.syncing ??= current.remote.sync(isStateBranch).finally(() => {
      current.syncing = undefined;
    });
    current.tips = await current.syncing;
    current.at = Date.now();
  }
  return { remote: current.remote, tips: current.tips };
}
