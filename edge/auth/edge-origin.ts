/**
 * The edge's public origin (`EDGE_ORIGIN`): the `iss` and `aud` of its
 * tokens, and the base of the URLs DPoP proofs and client assertions name.
 * Taken from configuration, not from the request, so a proxy or a test
 * harness in front of the Worker cannot change what a proof must say.
 *
 * @example tokenEndpoint(env) // 'https://edge.example/v1/token'
 */
import type { Bindings } from '../env.js';
import { ProblemError } from '../problem.js';

/**
 * `EDGE_ORIGIN` without a trailing slash. Throws a 500 problem when it is not an http(s) origin.
 * @example edgeOrigin(env) // 'https://edge.example'
 */
export function edgeOrigin(env: Pick<Bindings, 'EDGE_ORIGIN'>): string {
  const origin = (env.EDGE_ORIGIN ?? '').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(origin)) throw new ProblemError(500, 'edge-misconfigured', 'Edge misconfigured', 'EDGE_ORIGIN must be the edge\'s public origin, e.g. https://edge.example');
  return origin;
}

/** The token endpoint's URL: the `aud` of client assertions and the `htu` of the token request's DPoP proof. */
export function tokenEndpoint(env: Pick<Bindings, 'EDGE_ORIGIN'>): string {
  return `${edgeOrigin(env)}/v1/token`;
}

/**
 * The public URL of a request (origin from configuration, path from the request): what `htu` must name.
 * @example publicUrl(env, c.req.url) // 'https://edge.example/v1/reports'
 */
export function publicUrl(env: Pick<Bindings, 'EDGE_ORIGIN'>, requestUrl: string): string {
  return `${edgeOrigin(env)}${new URL(requestUrl).pathname}`;
}
