/**
 * One conversation with a remote: the HTTP client (isomorphic-git's
 * `http/node`, wrapped to count the bytes of every body on the wire), the
 * auth callbacks, ref discovery, and the translation of transport failures
 * into StellaErrors that name the remote and say what to do.
 *
 * @example
 *   const session = openSession(remote, credentials);
 *   const refs = await session.listRefs('receive-pack');
 *   console.log(refs.get('refs/heads/main'), session.wire.bytesReceived);
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import git, { type HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { isStellaError, StellaError } from '../../core/errors.js';
import { authProblem, remoteAuth, type Credentials, type RemoteAuth } from './credentials.js';
import type { Remote } from './remote.js';

/** Bodies on the wire (request and response), not counting HTTP headers. */
export interface WireStats {
  requests: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface Session {
  remote: Remote;
  http: HttpClient;
  auth: RemoteAuth;
  wire: WireStats;
  /** The remote's refs (`refs/heads/…` → oid), as advertised for fetching or for pushing. */
  listRefs(service: 'upload-pack' | 'receive-pack'): Promise<{ refs: Map<string, string>; capabilities: Set<string> }>;
  /** Runs a remote operation, turning transport and auth failures into StellaErrors naming `what`. */
  guard<T>(what: string, operation: () => Promise<T>): Promise<T>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/**
 * How long a connection may stay silent. Node's global agent gives up after
 * 5 s, which a server indexing a large push or counting a large fetch
 * exceeds; git's servers send keep-alive packets every 5 s on the side band,
 * so this only ends connections to a server that has really stopped.
 */
export const IDLE_TIMEOUT_MS = 120_000;

/**
 * A session for one remote; close it when done (it keeps connections alive between requests).
 *
 * @example
 *   const session = openSession(remote, credentials);
 *   try { await session.listRefs('upload-pack'); } finally { session.close(); }
 */
export function openSession(remote: Remote, credentials: Credentials | undefined, base: HttpClient = nodeHttp): Session {
  const wire: WireStats = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  const options = { keepAlive: true, timeout: IDLE_TIMEOUT_MS };
  const agent = remote.url.startsWith('https:') ? new HttpsAgent(options) : new HttpAgent(options);
  const http = countingClient(base, wire, agent);
  const auth = remoteAuth(remote, credentials);
  const guard = async <T>(what: string, operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      throw remoteError(remote, auth, what, error);
    }
  };
  return {
    remote,
    http,
    auth,
    wire,
    guard,
    close: () => agent.destroy(),
    listRefs: (service) =>
      guard(`listing the remote's refs (${service})`, async () => {
        const info = await git.getRemoteInfo2({
          http,
          url: remote.url,
          forPush: service === 'receive-pack',
          // v1 for both: receive-pack has no v2, and v1 advertises every ref in one response.
          protocolVersion: 1,
          onAuth: auth.onAuth,
          onAuthFailure: auth.onAuthFailure,
        });
        const refs = new Map<string, string>();
        for (const ref of info.refs ?? []) if (ref.ref.startsWith('refs/')) refs.set(ref.ref, ref.oid);
        return { refs, capabilities: new Set(Object.keys(info.capabilities)) };
      }),
  };
}

function countingClient(base: HttpClient, wire: WireStats, agent: HttpAgent): HttpClient {
  return {
    request: async (request) => {
      wire.requests += 1;
      const body = request.body === undefined ? undefined : counted(request.body, (n) => (wire.bytesSent += n));
      const response = await base.request({ ...request, agent, ...(body === undefined ? {} : { body }) });
      return response.body === undefined ? response : { ...response, body: counted(response.body, (n) => (wire.bytesReceived += n)) };
    },
  };
}

async function* counted(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, add: (bytes: number) => void): AsyncIterableIterator<Uint8Array> {
  for await (const chunk of source) {
    add(chunk.byteLength);
    yield chunk;
  }
}

/**
 * A StellaError for a failed remote operation; StellaErrors raised inside pass through unchanged.
 *
 * @example throw remoteError(remote, auth, 'fetching main', error); // remote https://… answered HTTP 500 while fetching main
 */
export function remoteError(remote: Remote, auth: RemoteAuth, what: string, error: unknown): Error {
  // isomorphic-git's errors also carry a string `code`: only our own pass through, told apart by name.
  if (isStellaError(error) && (error as { name?: unknown }).name === 'StellaError') return error as StellaError;
  const code = (error as { code?: unknown }).code;
  const data = (error as { data?: { statusCode?: unknown } }).data;
  const status = typeof data?.statusCode === 'number' ? data.statusCode : undefined;
  if (code === 'UserCanceledError' || status === 401 || status === 403) return authProblem(remote, auth, status);
  if (status === 404) {
    return new StellaError('REPO_NOT_FOUND', `remote ${remote.url} has no Git repository there (HTTP 404) while ${what}; check the URL`, {
      data: { remote: remote.url, status },
    });
  }
  if (status !== undefined) {
    return new StellaError('REPO_INVALID', `remote ${remote.url} answered HTTP ${status} while ${what}`, { cause: error, data: { remote: remote.url, status } });
  }
  if (code === 'SmartHttpError') {
    return new StellaError('REPO_INVALID', `remote ${remote.url} is not a smart-HTTP Git server (while ${what})`, { cause: error, data: { remote: remote.url } });
  }
  if (error instanceof Error && error.message === 'Request timed out') {
    return new StellaError('REPO_NOT_FOUND', `remote ${remote.url} went silent for ${IDLE_TIMEOUT_MS / 1000} s while ${what}; try again later`, {
      cause: error,
      data: { remote: remote.url, reason: 'timeout' },
    });
  }
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new StellaError('REPO_NOT_FOUND', `cannot reach remote ${remote.url} (${code}) while ${what}`, { cause: error, data: { remote: remote.url, errno: code } });
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new StellaError('REPO_INVALID', `remote ${remote.url}: ${what} failed: ${message}`, { cause: error, data: { remote: remote.url } });
}
