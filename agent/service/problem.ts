/**
 * Every error the agent's HTTP API answers is an RFC 9457 problem document
 * (`application/problem+json`): a `type` URI per kind of problem, the HTTP
 * status, a one-line `title`, and a `detail` naming what to fix. Mirrors the
 * edge's (the agent may not import `edge/`), with the same type base.
 *
 * @example
 *   throw new Problem(404, 'scan-not-found', 'No such scan', `no scan has the id ${id}`);
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

const TYPE_BASE = 'https://stella-mesh.dev/problems/';

/** The JSON body of a problem answer. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/** An error a handler throws to answer with a problem document. */
export class Problem extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly kind: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`${title}: ${detail}`);
    this.name = 'Problem';
  }

  /** The RFC 9457 body. */
  document(): ProblemDocument {
    return { type: TYPE_BASE + this.kind, title: this.title, status: this.status, detail: this.detail, ...this.extensions };
  }
}

/** A 400 naming the request field that is wrong (`field` is a JSON pointer-like path, e.g. `commit`). */
export function invalidField(field: string, detail: string): Problem {
  return new Problem(400, 'invalid-request', 'Invalid request', `${field}: ${detail}`, { field });
}

/** Answers with the problem document and the headers it carries (Retry-After, WWW-Authenticate). */
export function problemResponse(c: Context, problem: Problem): Response {
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value);
  c.header('Content-Type', 'application/problem+json');
  return c.body(JSON.stringify(problem.document()), problem.status);
}
