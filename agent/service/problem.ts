/**
 * Every error the agent's HTTP API answers is an RFC 9457 problem document
 * (`application/problem+json`): a `type` URI per kind of problem, the HTTP
 * status, a one-line `title`, and a `detail` naming what to fix. The shape is
 * core's (`core/http/problem.ts`), shared with the edge.
 *
 * @example
 *   throw new Problem(404, 'scan-not-found', 'No such scan', `no scan has the id ${id}`);
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ProblemError as Problem } from '../../core/http/problem.js';

/** The agent's name for core's problem error. */
export { ProblemError as Problem, type ProblemDocument } from '../../core/http/problem.js';

/** A 400 naming the request field that is wrong (`field` is a JSON pointer-like path, e.g. `commit`). */
export function invalidField(field: string, detail: string): Problem {
  return new Problem(400, 'invalid-request', 'Invalid request', `${field}: ${detail}`, { field });
}

/** Answers with the problem document and the headers it carries (Retry-After, WWW-Authenticate). */
export function problemResponse(c: Context, problem: Problem): Response {
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value);
  c.header('Content-Type', 'application/problem+json');
  return c.body(JSON.stringify(problem.document()), problem.status as ContentfulStatusCode);
}
