/**
 * `stella pull` through the edge for a node without Git credentials: the
 * edge serves a read-only smart-HTTP window on the state repository at
 * `/v1/git`, behind the same agent authentication as every other agent
 * route. Git's requests go out through the node's edge client (a DPoP-bound
 * token and a fresh proof on each), so pulling needs nothing but the
 * node's enrollment; what arrives passes the same admission check as a
 * pull from the Git remote itself.
 *
 * @example
 *   const http = edgeGitTransport(edgeFetch(await edgeClientConfig(home)));
 *   await pullNodeState(repo, { node, log, remote: edgeGitUrl(edge), http });
 */
import { bufferSource } from '../../core/sign/encoding.js';
import type { Transport } from '../../core/git/smart-http.js';
import type { EdgeFetch } from '../edge/client.js';

/**
 * The URL of the edge's read-only Git window (a trailing slash on the edge is ignored).
 * @example edgeGitUrl('https://edge.example/') // 'https://edge.example/v1/git'
 */
export function edgeGitUrl(edge: string): string {
  return `${edge.replace(/\/+$/, '')}/v1/git`;
}

/**
 * core/git's fetch-shaped Transport on top of the node's authenticated edge client.
 * @example const { refs } = await discoverRefs(edgeGitTransport(send), edgeGitUrl(edge), 'upload-pack');
 */
export function edgeGitTransport(send: EdgeFetch): Transport {
  return (url, request) =>
    send(url, {
      method: request.method,
      headers: request.headers,
      // A byte array, so the client can resend it after renewing a refused token.
      ...(request.body === undefined ? {} : { body: bufferSource(request.body) }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
}
