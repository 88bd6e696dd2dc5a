/**
 * Requests to the edge as an enrolled node: an access token from
 * `POST /v1/token` (a client assertion signed by the node key, a DPoP proof
 * by a fresh in-memory DPoP key), kept until shortly before it expires, and
 * a new DPoP proof on every request (`Authorization: DPoP <token>`).
 * `stella push` through an edge uses this.
 *
 * @example
 *   const send = edgeFetch(await edgeClientConfig(ctx.home()));
 *   const response = await send(`${edge}/v1/reports`, { method: 'POST', body });
 */
import { StellaError } from '../../core/errors.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { loadKey } from '../repo/keystore.js';
import { clientAssertion, dpopProof, JWT_BEARER_ASSERTION, newDpopKey, type DpopKey } from '../../core/auth/client-proofs.js';
import { readEdgeEnrollment } from './enrollment-file.js';
import { edgeJson } from './http.js';

/** Who the client is and where it talks. */
export interface EdgeClientConfig {
  /** The edge's origin (its EDGE_ORIGIN). */
  edge: string;
  node: string;
  /** The enrolled node key. */
  key: SigningKey;
  /** Transport (default: global fetch). */
  fetch?: typeof fetch;
}

/** A fetch that authenticates each request to the edge. */
export type EdgeFetch = (url: string, init?: RequestInit) => Promise<Response>;

/** Renew a token this long before it expires, so a request never carries one about to lapse. */
const RENEW_MARGIN_MS = 30_000;

/**
 * The client config from `stella agent enroll`'s record and the node key under `home`.
 * Throws CONFIG_INVALID naming `stella agent enroll` when this home never enrolled.
 * @example const config = await edgeClientConfig(ctx.home());
 */
export async function edgeClientConfig(home: string): Promise<EdgeClientConfig> {
  const enrollment = await readEdgeEnrollment(home);
  if (enrollment === undefined) throw new StellaError('CONFIG_INVALID', 'this node has not enrolled with an edge: run `stella agent enroll --edge URL --token T` first');
  return { edge: enrollment.edge, node: enrollment.node, key: await loadKey(home, enrollment.keyId) };
}

/**
 * A fetch that gets (and renews) a DPoP-bound token and signs each request with a fresh proof.
 * @example const response = await edgeFetch(config)(`${config.edge}/v1/feeds/osv`, { method: 'GET' });
 */
export function edgeFetch(config: EdgeClientConfig): EdgeFetch {
  const transport = config.fetch ?? fetch;
  const dpopKey = newDpopKey();
  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const accessToken = async (): Promise<string> => {
    if (current !== undefined && Date.now() < current.renewAt) return current.token;
    // One token request at a time, however many requests wait for it.
    pending ??= requestToken(config, await dpopKey, transport)
      .then((answer) => {
        current = { token: answer.token, renewAt: Date.now() + answer.expiresIn * 1000 - RENEW_MARGIN_MS };
        return answer.token;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  const send = async (url: string, init: RequestInit): Promise<Response> => {
    const token = await accessToken();
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    headers.set('Authorization', `DPoP ${token}`);
    headers.set('DPoP', await dpopProof(await dpopKey, { method, url, accessToken: token }));
    return transport(url, { ...init, method, headers });
  };

  return async (url, init = {}) => {
    const response = await send(url, init);
    // A token refused before its time (the edge rotated its key past the grace period, or restarted its
    // clock): get a new one and try once more, when the body can be sent again.
    if (response.status !== 401 || !(response.headers.get('WWW-Authenticate') ?? '').includes('invalid_token') || !resendable(init.body)) return response;
    current = undefined;
    await response.body?.cancel();
    return send(url, init);
  };
}

function resendable(body: RequestInit['body']): boolean {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer || body instanceof URLSearchParams;
}

/**
 * One token request (RFC 7523 client assertion + RFC 9449 proof).
 * @example const { token } = await requestToken(config, await newDpopKey(), fetch);
 */
export async function requestToken(config: EdgeClientConfig, dpopKey: DpopKey, transport: typeof fetch = fetch): Promise<{ token: string; expiresIn: number }> {
  const url = `${config.edge}/v1/token`;
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER_ASSERTION,
    client_assertion: await clientAssertion(config.key, { node: config.node, tokenEndpoint: url }),
  });
  const response = await transport(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', DPoP: await dpopProof(dpopKey, { method: 'POST', url }) }, body: form });
  const answer = await edgeJson<{ access_token?: unknown; token_type?: unknown; expires_in?: unknown }>(response, url);
  if (typeof answer.access_token !== 'string' || answer.token_type !== 'DPoP' || typeof answer.expires_in !== 'number') {
    throw new StellaError('JSON_INVALID', `${url}: the edge answered without a DPoP access token`);
  }
  return { token: answer.access_token, expiresIn: answer.expires_in };
}
