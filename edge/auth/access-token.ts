/**
 * Access tokens (RFC 9068 JWT profile, bound to a DPoP key by RFC 9449
 * `cnf.jkt`): ES256, signed by the edge's current token key, `iss` and
 * `aud` both the edge's origin, `sub` the node, at most five minutes long.
 *
 * @example
 *   const { token } = await issueAccessToken({ signer, origin, node: 'edge-1', jkt, now: Date.now() });
 *   const claims = await verifyAccessToken(token, { origin, keyFor, now: Date.now() });
 */
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { authProblem, rethrowAs } from './jose-problem.js';
import { ACCESS_TOKEN_TTL_SECONDS, CLOCK_SKEW_SECONDS, type TokenSigner } from './signing-keys.js';

/** The `typ` header of an access token (RFC 9068). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** What a verified token says. */
export interface AccessClaims {
  node: string;
  /** RFC 7638 thumbprint of the DPoP key the token is bound to. */
  jkt: string;
  /** Expiry, ms since epoch. */
  expiresAt: number;
}

/**
 * Signs a token for `node` bound to the DPoP key `jkt`.
 * @example const { token, expiresIn } = await issueAccessToken({ signer, origin: env.EDGE_ORIGIN, node, jkt, now: Date.now() });
 */
export async function issueAccessToken(request: { signer: TokenSigner; origin: string; node: string; jkt: string; now: number }): Promise<{ token: string; expiresIn: number }> {
  const iat = Math.floor(request.now / 1000);
  const token = await new SignJWT({ cnf: { jkt: request.jkt }, client_id: request.node })
    .setProtectedHeader({ alg: 'ES256', typ: ACCESS_TOKEN_TYPE, kid: request.signer.kid })
    .setIssuer(request.origin)
    .setAudience(request.origin)
    .setSubject(request.node)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
    .setJti(crypto.randomUUID())
    .sign(request.signer.privateKey);
  return { token, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

/**
 * Checks alg (ES256 only), kid (a published key), typ, iss, aud, exp/nbf (with a small skew), sub and cnf.jkt.
 * Throws a 401 `invalid-token` problem naming the failed check.
 * @example const { node, jkt } = await verifyAccessToken(token, { origin, keyFor: (kid) => verificationKey(kv, signer, kid, now), now });
 */
export async function verifyAccessToken(
  token: string,
  options: { origin: string; keyFor: (kid: string) => Promise<CryptoKey | undefined>; now: number },
): Promise<AccessClaims> {
  const fail = rethrowAs('invalid-token', 'access token');
  const header = (() => {
    try {
      return decodeProtectedHeader(token);
    } catch (error) {
      return fail(error);
    }
  })();
  if (header.alg !== 'ES256') throw authProblem('invalid-token', `access token: algorithm ${String(header.alg)} not allowed (only ES256 is accepted)`);
  if (typeof header.kid !== 'string') throw authProblem('invalid-token', 'access token: no kid in the header');
  const key = await options.keyFor(header.kid);
  if (key === undefined) throw authProblem('invalid-token', `access token: kid ${header.kid} is not a key of this edge (see /.well-known/jwks.json)`);
  const { payload } = await jwtVerify(token, key, {
    algorithms: ['ES256'],
    typ: ACCESS_TOKEN_TYPE,
    issuer: options.origin,
    audience: options.origin,
    clockTolerance: CLOCK_SKEW_SECONDS,
    currentDate: new Date(options.now),
    requiredClaims: ['exp', 'sub', 'iat'],
  }).catch(fail);
  const jkt = (payload['cnf'] as { jkt?: unknown } | undefined)?.jkt;
  if (typeof jkt !== 'string' || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') throw authProblem('invalid-token', 'access token: no cnf.jkt binding or no subject');
  if (payload.exp - (payload.iat ?? 0) > ACCESS_TOKEN_TTL_SECONDS) throw authProblem('invalid-token', 'access token: lives longer than this edge issues');
  return { node: payload.sub, jkt, expiresAt: payload.exp * 1000 };
}
