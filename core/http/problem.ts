/**
 * RFC 9457 problem documents (`application/problem+json`), for every HTTP
 * API the project answers — the agent's service and the edge alike: a
 * stable `type` URI per kind of problem, the HTTP status, a one-line
 * `title`, and a `detail` naming what to fix. Each API writes the document
 * with its framework's response helper; the shape lives here once.
 *
 * @example
 *   throw new ProblemError(413, 'body-too-large', 'Report body too large', 'the body is 9 MB; the limit is 8 MB');
 */

/** Where problem types are named (documented in edge/README.md and the agent's OpenAPI document). */
export const PROBLEM_TYPE_BASE = 'https://stella-mesh.dev/problems/';

/** The JSON body of a problem answer. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/** An error a handler throws to answer with a problem document (and any headers it carries: Retry-After, WWW-Authenticate). */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`${title}: ${detail}`);
    this.name = 'ProblemError';
  }

  /** The RFC 9457 body. */
  document(): ProblemDocument {
    return { type: PROBLEM_TYPE_BASE + this.kind, title: this.title, status: this.status, detail: this.detail, ...this.extensions };
  }
}
