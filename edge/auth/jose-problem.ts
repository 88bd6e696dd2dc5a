/**
 * How a failed JWT or DPoP check becomes a problem document: jose throws
 * errors with a `code` (ERR_JWT_EXPIRED, ERR_JOSE_ALG_NOT_ALLOWED, …); the
 * agent gets a 401 naming what was wrong, with the `WWW-Authenticate`
 * challenge RFC 9449 asks for, and never a stack trace.
 *
 * @example
 *   await jwtVerify(token, key, options).catch(rethrowAs('invalid-token', 'access token'));
 */
import { ProblemError } from '../problem.js';

/** The kinds of authentication problem the edge answers, with their OAuth / DPoP error code. */
export type AuthProblemKind = 'invalid-token' | 'invalid-dpop-proof' | 'invalid-client';

const OAUTH_ERROR: Record<AuthProblemKind, string> = {
  'invalid-token': 'invalid_token',
  'invalid-dpop-proof': 'invalid_dpop_proof',
  'invalid-client': 'invalid_client',
};

const TITLE: Record<AuthProblemKind, string> = {
  'invalid-token': 'Access token refused',
  'invalid-dpop-proof': 'DPoP proof refused',
  'invalid-client': 'Client authentication failed',
};

/**
 * A 401 problem of `kind`; `error` (the OAuth code) is an extension member, and the DPoP challenge a header.
 * @example throw authProblem('invalid-dpop-proof', 'the proof was made for GET, not POST');
 */
export function authProblem(kind: AuthProblemKind, detail: string): ProblemError {
  const error = OAUTH_ERROR[kind];
  return new ProblemError(401, kind, TITLE[kind], detail, { error }, { 'WWW-Authenticate': `DPoP algs="ES256", error="${error}"` });
}

/**
 * A catch handler turning whatever jose threw about `what` into {@link authProblem}; ProblemErrors pass through.
 * @example await jwtVerify(proof, EmbeddedJWK, options).catch(rethrowAs('invalid-dpop-proof', 'DPoP proof'));
 */
export function rethrowAs(kind: AuthProblemKind, what: string): (error: unknown) => never {
  return (error: unknown) => {
    if (error instanceof ProblemError) throw error;
    throw authProblem(kind, `${what}: ${joseReason(error)}`);
  };
}

function joseReason(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed (only ES256 is accepted)';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature does not verify';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `claim check failed (${message})`;
    case '':
      return message;
    default:
      return `${message} (${code})`;
  }
}
