/**
 * Every error the edge answers is an RFC 9457 problem document
 * (`application/problem+json`): a stable `type` URI per kind of problem,
 * the HTTP status, a one-line `title`, and a `detail` naming what to fix.
 *
 * @example
 *   throw new ProblemError(413, 'body-too-large', 'Report body too large', 'the body is 9 MB; the limit is 8 MB');
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Where problem types are named (documented in edge/README.md). */
const TYPE_BASE = 'https://stella-mesh.dev/problems/';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/** An error a handler throws to answer with a problem document. */
export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly kind: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`${title}: ${detail}`);
    this.name = 'ProblemError';
  }

  document(): ProblemDocument {
    return { type: TYPE_BASE + this.kind, title: this.title, status: this.status, detail: this.detail, ...this.extensions };
  }
}

/** Answers with the problem document (and any headers the problem carries, e.g. Retry-After, WWW-Authenticate). */
export function problemResponse(c: Context, problem: ProblemError): Response {
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value);
  c.header('Content-Type', 'application/problem+json');
  return c.body(JSON.stringify(problem.document()), problem.status);
}
