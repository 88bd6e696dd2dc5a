/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2, OpenID Connect
 * Core §9): the node signs a short JWT with its enrolled key — `iss` and
 * `sub` its node name, `aud` the token endpoint's URL, a short `exp`, a
 * unique `jti` — and the edge refuses a second use of the same `jti` until
 * the assertion expires.
 *
 * @example
 *   const { node } = await verifyClientAssertion(assertion, { audience: `${origin}/v1/token`, keyFor, guard, now });
 */
import { decodeJwt, importJWK, jwtVerify, type JWK } from 'jose';
import type { ReplayGuard } from './claim-once.js';
import { authProblem, rethrowAs } from './jose-problem.js';
import { CLOCK_SKEW_SECONDS } from './signing-keys.js';

/** The `client_assertion_type` of RFC 7523. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Longest accepted assertion life (exp - iat): it is made for one token request. */
export const ASSERTION_MAX_LIFE_SECONDS = 300;

/**
 * Verifies the assertion with the key registered for its `iss`, then claims its `jti`.
 * Throws a 401 `invalid-client` problem for anything wrong (unknown node, bad signature, wrong aud, expired, replayed).
 * @example const { node } = await verifyClientAssertion(form.client_assertion, options)
 */
export async function verifyClientAssertion(
  assertion: string,
  options: { audience: string; keyFor: (node: string) => Promise<JWK | undefined>; guard: ReplayGuard; now: number },
): Promise<{ node: string }> {
  const fail = rethrowAs('invalid-client', 'client assertion');
  let issuer: unknown;
  try {
    issuer = decodeJwt(assertion).iss;
  } catch (error) {
    fail(error);
  }
  if (typeof issuer !== 'string') throw authProblem('invalid-client', 'client assertion: no iss (the node name)');
  const jwk = await options.keyFor(issuer);
  if (jwk === undefined) throw authProblem('invalid-client', `client assertion: node ${issuer} is not enrolled at this edge (stella agent enroll)`);
  const key = await importJWK(jwk, 'ES256');
  const { payload } = await jwtVerify(assertion, key, {
    algorithms: ['ES256'],
    issuer,
    subject: issuer,
    audience: options.audience,
    clockTolerance: CLOCK_SKEW_SECONDS,
    currentDate: new Date(options.now),
    requiredClaims: ['exp', 'jti', 'iat'],
  }).catch(fail);
  const exp = payload.exp as number;
  if (exp - (payload.iat as number) > ASSERTION_MAX_LIFE_SECONDS) throw authProblem('invalid-client', `client assertion: lives longer than ${ASSERTION_MAX_LIFE_SECONDS} s`);
  if (!(await options.guard.claim(issuer, `assertion:${String(payload.jti)}`, (exp + CLOCK_SKEW_SECONDS) * 1000))) {
    throw authProblem('invalid-client', 'client assertion: this jti was already used; make a new assertion per token request');
  }
  return { node: issuer };
}
