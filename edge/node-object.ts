/**
 * The per-node Durable Object (`NodeObject` in wrangler.toml). The ingest
 * work (serialising and coalescing a node's commits, its quota) lives here
 * too; this file carries only what the authority needs from it: strongly
 * consistent one-time claims (`auth/claim-once.ts`). Whatever else the
 * object answers, its `fetch` must first offer the request to
 * `handleClaimOnce`.
 *
 * @example
 *   const stub = env.NODE.get(env.NODE.idFromName('edge-1'));
 */
import type { DurableObjectState } from '@cloudflare/workers-types/index.ts';
import { handleClaimOnce } from './auth/claim-once.js';
import type { Bindings } from './env.js';

/** One instance per node name. */
export class NodeObject {
  constructor(
    private readonly state: DurableObjectState,
    readonly env: Bindings,
  ) {}

  /** Routes the object's internal requests. */
  async fetch(request: Request): Promise<Response> {
    return (await handleClaimOnce(this.state.storage, request)) ?? new Response('not found', { status: 404 });
  }
}
