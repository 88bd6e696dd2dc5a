/**
 * Forge failures as StellaErrors. The message is one line, `<forge>
 * <repository>: <problem>`, and `data.reason` tells programs which of the
 * forge problems it was (the StellaError codes are shared by the whole
 * project, so several reasons map onto one code). Nothing here ever sees
 * the token; `redact` scrubs it from text a server sent back, in case a
 * proxy echoes request headers.
 *
 * @example
 *   throw forgeError('not-found', { forge: 'github', repository: 'acme/state' }, 'repository not found (HTTP 404)', { status: 404 });
 */
import { StellaError, type StellaErrorCode } from '../../core/errors.js';

export type ForgeErrorReason =
  /** No token configured, or one that cannot be sent in a header. */
  | 'token-missing'
  /** HTTP 401: the token was rejected. */
  | 'unauthorized'
  /** HTTP 403 (not a rate limit): the token lacks a permission. */
  | 'forbidden'
  /** HTTP 404: no such repository, or the token cannot see it. */
  | 'not-found'
  /** HTTP 403/429 with rate-limit headers: try again after `data.resetAt`. */
  | 'rate-limited'
  /** HTTP 422 or a request refused before sending: the forge will not take what we asked. */
  | 'rejected'
  /** No HTTP answer at all (DNS, refused connection, TLS, timeout). */
  | 'network'
  /** HTTP 5xx or another status we do not expect. */
  | 'server'
  /** An answer that is not the documented JSON. */
  | 'response-invalid';

// The closest shared code for each reason; `data.reason` keeps the precise one.
const CODES: Record<ForgeErrorReason, StellaErrorCode> = {
  'token-missing': 'USAGE',
  unauthorized: 'CONFIG_INVALID',
  forbidden: 'CONFIG_INVALID',
  'not-found': 'NOT_FOUND',
  'rate-limited': 'LIMIT_EXCEEDED',
  rejected: 'USAGE',
  network: 'NOT_FOUND',
  server: 'NOT_FOUND',
  'response-invalid': 'JSON_INVALID',
};

export interface ForgeWhere {
  forge: string;
  repository: string;
}

export function forgeError(
  reason: ForgeErrorReason,
  where: ForgeWhere,
  problem: string,
  extra: { status?: number; cause?: unknown; data?: Record<string, unknown> } = {},
): StellaError {
  const data: Record<string, unknown> = { forge: where.forge, repository: where.repository, reason, ...extra.data };
  if (extra.status !== undefined) data['status'] = extra.status;
  return new StellaError(CODES[reason], `${where.forge} ${where.repository}: ${problem}`, { cause: extra.cause, data });
}

/** `text` on one line, at most `max` characters, with every occurrence of `secret` replaced. */
export function redact(text: string, secret: string, max = 300): string {
  const scrubbed = secret === '' ? text : text.split(secret).join('[token]');
  const line = scrubbed.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
