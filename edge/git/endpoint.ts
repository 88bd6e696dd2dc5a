/**
 * The state repository's endpoint from the Worker's secrets: its URL, and
 * Basic credentials on every request when they are set (an open loopback
 * remote in tests has none).
 *
 * @example const remote = new StateRemote(stateEndpoint(env));
 */
import { webTransport, type Endpoint, type Transport } from '../../core/git/smart-http.js';
import { StellaError } from '../../core/errors.js';
import type { Bindings } from '../env.js';

/** Where the edge's Git traffic says it comes from (servers that log `agent=` show it). */
export const EDGE_AGENT = 'stella-edge/1';

/**
 * The endpoint for `env.GIT_REMOTE_URL`; CONFIG_INVALID when it is not set.
 * @example await discoverRefs(stateEndpoint(env).transport, env.GIT_REMOTE_URL, 'upload-pack')
 */
export function stateEndpoint(env: Pick<Bindings, 'GIT_REMOTE_URL' | 'GIT_USERNAME' | 'GIT_PASSWORD'>): Endpoint {
  if (typeof env.GIT_REMOTE_URL !== 'string' || env.GIT_REMOTE_URL === '') {
    throw new StellaError('CONFIG_INVALID', 'GIT_REMOTE_URL is not set: `wrangler secret put GIT_REMOTE_URL` with the state repository URL');
  }
  const username = env.GIT_USERNAME ?? '';
  const authorization = username === '' ? undefined : `Basic ${btoa(`${username}:${env.GIT_PASSWORD ?? ''}`)}`;
  const base: Transport = authorization === undefined ? webTransport : (url, request) => webTransport(url, { ...request, headers: { ...request.headers, authorization } });
  return { transport: retryingReads(base), url: env.GIT_REMOTE_URL.replace(/\/+$/, ''), agent: EDGE_AGENT };
}

/**
 * Sends a read (a ref listing, an upload-pack request) a second time when
 * the connection drops before an answer: a server closing an idle
 * keep-alive connection just as it is reused is routine. A push is never
 * resent here — the committer re-syncs and sees whether it landed.
 */
function retryingReads(transport: Transport): Transport {
  return async (url, request) => {
    try {
      return await transport(url, request);
    } catch (error) {
      const isRead = request.method === 'GET' || url.endsWith('/git-upload-pack');
      if (!isRead || request.signal?.aborted === true) throw error;
      return transport(url, request);
    }
  };
}
