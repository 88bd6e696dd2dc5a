/**
 * Bearer-token check for the agent's API: when a token is set, every
 * request under `/v1/` and `/metrics` must carry `Authorization: Bearer
 * <token>`, compared in constant time; otherwise 401 with a problem document
 * and a `WWW-Authenticate` challenge (RFC 6750).
 *
 * @example app.use('/v1/*', requireToken(settings.token));
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { Problem } from './problem.js';

/** Middleware that lets requests through unchanged when `token` is undefined. */
export function requireToken(token: string | undefined): MiddlewareHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (c, next) => {
    if (expected !== undefined) {
      const header = c.req.header('Authorization') ?? '';
      const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
      if (match === null || !timingSafeEqual(digest(match[1] as string), expected)) {
        throw new Problem(401, 'unauthorized', 'Unauthorized', match === null ? 'send Authorization: Bearer <token> (the agent token)' : 'the bearer token is not the agent token', {}, {
          'WWW-Authenticate': `Bearer realm="stella-agent"${match === null ? '' : ', error="invalid_token"'}`,
        });
      }
    }
    await next();
  };
}

/** Same-length digests, so the comparison's time says nothing about the token. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
