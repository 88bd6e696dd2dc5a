/**
 * Every error the edge answers is an RFC 9457 problem document; the shape
 * is core's (`core/http/problem.ts`), written here with Hono.
 *
 * @example
 *   throw new ProblemError(413, 'body-too-large', 'Report body too large', 'the body is 9 MB; the limit is 8 MB');
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ProblemError } from '../core/http/problem.js';

export { ProblemError, type ProblemDocument } from '../core/http/problem.js';

/** Answers with the problem document (and any headers the problem carries, e.g. Retry-After, WWW-Authenticate). */
export function problemResponse(c: Context, problem: ProblemError): Response {
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value);
  c.header('Content-Type', 'application/problem+json');
  return c.body(JSON.stringify(problem.document()), problem.status as ContentfulStatusCode);
}
