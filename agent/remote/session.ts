/**
 * One conversation with a remote: the transport (the global Web `fetch`,
 * wrapped to answer the server's 401 with the credentials once and to count
 * the bytes of every body on the wire), ref discovery through `core/git`,
 * and the translation of transport failures into StellaErrors that name the
 * remote and say what to do.
 *
 * @example
 *   const session = openSession(remote, credentials);
 *   const refs = await session.listRefs('receive-pack');
 *   console.log(refs.get('refs/heads/main'), session.wire.bytesReceived);
 */
import { isStellaError, StellaError } from '../../core/errors.js';
import { discoverRefs, webTransport, type Advertisement, type Endpoint, type GitService, type Transport } from '../../core/git/smart-http.js';
import { toolVersion } from '../package-root.js';
import { authProblem, remoteAuth, type Credentials, type RemoteAuth } from './credentials.js';
import type { Remote } from './remote.js';

export type { Transport };

/** Bodies on the wire (request and response), not counting HTTP headers. */
export interface WireStats {
  requests: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface Session {
  remote: Remote;
  /** The transport every request of this session goes through (auth and byte counting included). */
  transport: Transport;
  auth: RemoteAuth;
  wire: WireStats;
  /** The remote's refs (`refs/heads/…` → oid), as advertised for fetching or for pushing. */
  listRefs(service: GitService): Promise<Advertisement>;
  /** Runs a remote operation, turning transport and auth failures into StellaErrors naming `what`. */
  guard<T>(what: string, operation: () => Promise<T>): Promise<T>;
  /** Ends the session (the global fetch pools its connections itself). */
  close(): void;
}

/**
 * The session as core/git's push and fetch see it: its transport, the
 * remote's URL, and our name for servers that ask.
 *
 * @example await session.guard('pushing main', () => sendPack(endpointOf(session), update, pack, capabilities));
 */
export function endpointOf(session: Session): Endpoint {
  return { transport: session.transport, url: session.remote.url, agent: `stella-mesh/${toolVersion()}` };
}

/**
 * How long a request may go without progress (no response yet, or no new
 * body bytes) before it is given up. Git's servers send keep-alive packets
 * on the side band while they index a large push or count a large fetch, so
 * only a server that has really stopped hits this; a slow but moving
 * transfer never does.
 */
export const IDLE_TIMEOUT_MS = 120_000;

/** The reason a silent request is aborted with; `remoteError` turns it into advice. */
export class IdleTimeout extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly idleMs: number) {
    super(`no data for ${idleMs / 1000} s`);
  }
}

/**
 * A session for one remote; close it when done. Every request is abandoned
 * after `idleMs` without progress.
 *
 * @example
 *   const session = openSession(remote, credentials);
 *   try { await session.listRefs('upload-pack'); } finally { session.close(); }
 */
export function openSession(remote: Remote, credentials: Credentials | undefined, base: Transport = webTransport, idleMs = IDLE_TIMEOUT_MS): Session {
  const wire: WireStats = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  const auth = remoteAuth(remote, credentials);
  const transport = countingTransport(authTransport(idleTimeoutTransport(base, idleMs), auth), wire);
  const guard = async <T>(what: string, operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      throw remoteError(remote, auth, what, error);
    }
  };
  return {
    remote,
    transport,
    auth,
    wire,
    guard,
    close: () => undefined,
    // v1 for both: receive-pack has no v2, and v1 advertises every ref in one response.
    listRefs: (service) => guard(`listing the remote's refs (${service})`, () => discoverRefs(transport, remote.url, service)),
  };
}

/**
 * Aborts a request that makes no progress for `idleMs`: the timer starts
 * with the request and restarts with every chunk of the response body, so
 * it bounds silence, not the length of a transfer.
 */
function idleTimeoutTransport(base: Transport, idleMs: number): Transport {
  return async (url, request) => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = (): void => clearTimeout(timer);
    const arm = (): void => {
      stop();
      timer = setTimeout(() => controller.abort(new IdleTimeout(idleMs)), idleMs);
      // A body nobody reads to the end must not keep the process alive.
      timer.unref();
    };
    arm();
    const response = await base(url, { ...request, signal: controller.signal }).catch((error: unknown) => {
      stop();
      throw error;
    });
    if (response.body === null) {
      stop();
      return response;
    }
    const watch = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        arm();
        out.enqueue(chunk);
      },
      flush: stop,
    });
    return new Response(response.body.pipeThrough(watch), { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** Credentials only after the server asks (HTTP 401), once; a second 401 means they were refused. */
function authTransport(base: Transport, auth: RemoteAuth): Transport {
  return async (url, request) => {
    const send = (): Promise<Response> => base(url, { ...request, headers: { ...request.headers, ...auth.headers() } });
    const response = await send();
    if (response.status !== 401) return response;
    if (auth.state() === 'accepted') {
      auth.onAuthFailure();
      return response;
    }
    if (auth.state() !== 'not-asked' || 'cancel' in auth.onAuth()) return response;
    await response.body?.cancel();
    const retried = await send();
    if (retried.status === 401) auth.onAuthFailure();
    return retried;
  };
}

function countingTransport(base: Transport, wire: WireStats): Transport {
  return async (url, request) => {
    wire.requests += 1;
    wire.bytesSent += request.body?.byteLength ?? 0;
    const response = await base(url, { ...request, headers: { ...request.headers, 'user-agent': 'git/stella-mesh' } });
    if (response.body === null) return response;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        wire.bytesReceived += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(counter), { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/**
 * A StellaError for a failed remote operation; StellaErrors raised inside pass through unchanged.
 *
 * @example throw remoteError(remote, auth, 'fetching main', error); // remote https://… answered HTTP 500 while fetching main
 */
export function remoteError(remote: Remote, auth: RemoteAuth, what: string, error: unknown): Error {
  const data = (error as { data?: { httpStatus?: unknown; reason?: unknown } }).data;
  const status = typeof data?.httpStatus === 'number' ? data.httpStatus : undefined;
  if (data?.reason === 'not-smart-http') {
    return new StellaError('REPO_INVALID', `remote ${remote.url} is not a smart-HTTP Git server (while ${what})`, { cause: error, data: { remote: remote.url } });
  }
  // Our own errors pass through, except the HTTP statuses core/git reports for us to explain.
  if (isStellaError(error) && (error as { name?: unknown }).name === 'StellaError' && status === undefined) return error as StellaError;
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).cause?.code ?? (error as { code?: unknown }).code;
  // A 401 after the credentials were tried once is the refusal itself, as a cancelled prompt was: no status to add.
  if (status === 401 && auth.state() === 'rejected') return authProblem(remote, auth, undefined);
  if (status === 401 || status === 403) return authProblem(remote, auth, status);
  if (status === 404) {
    return new StellaError('REPO_NOT_FOUND', `remote ${remote.url} has no Git repository there (HTTP 404) while ${what}; check the URL`, {
      data: { remote: remote.url, status },
    });
  }
  if (status !== undefined) {
    return new StellaError('REPO_INVALID', `remote ${remote.url} answered HTTP ${status} while ${what}`, { cause: error, data: { remote: remote.url, status } });
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    const seconds = (error instanceof IdleTimeout ? error.idleMs : IDLE_TIMEOUT_MS) / 1000;
    return new StellaError('REPO_NOT_FOUND', `remote ${remote.url} went silent for ${seconds} s while ${what}; try again later`, {
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
