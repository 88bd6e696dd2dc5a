/**
 * One request to the GitHub REST API, as GitHub documents it: the
 * `Authorization: Bearer` token, `Accept: application/vnd.github+json`,
 * `X-GitHub-Api-Version: 2022-11-28` and a `User-Agent` (GitHub refuses
 * requests without one); JSON in, JSON out. Statuses the caller expects are
 * returned; every other answer becomes a coded error here, once:
 *
 *   401            the token was rejected
 *   403/429 + rate-limit headers or message    rate limited: when it resets, no retry
 *   403            the token lacks a permission (or SAML SSO authorisation)
 *   404            no such repository, or the token cannot see it
 *   422            GitHub refused the request (validation errors listed)
 *   no answer      network error or timeout
 *
 * @example
 *   const client = createGitHubClient({ apiUrl, token, repository: 'acme/state', forge: 'github' });
 *   const { json } = await client.request('GET', '/repos/acme/state/pulls', { query: { state: 'open' }, expect: [200] });
 */
import { forgeError, redact, type ForgeWhere } from './errors.js';

export const GITHUB_API_VERSION = '2022-11-28';
export const DEFAULT_USER_AGENT = 'stella-mesh';
const DEFAULT_TIMEOUT_MS = 30_000;
/** GitHub's advice for a secondary limit without `retry-after`: wait at least a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

export interface GitHubClientSettings extends ForgeWhere {
  apiUrl: string;
  token: string;
  tokenSource?: string;
  userAgent?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface GitHubAnswer {
  status: number;
  json: unknown;
  /** GitHub's `message` and validation errors on one line, token redacted ('' for a success body). */
  said: string;
}

export interface GitHubClient {
  request(method: 'GET' | 'POST' | 'PATCH', path: string, options: { query?: Record<string, string>; body?: object; expect: readonly number[] }): Promise<GitHubAnswer>;
}

export function createGitHubClient(settings: GitHubClientSettings): GitHubClient {
  const where: ForgeWhere = { forge: settings.forge, repository: settings.repository };
  const { token } = settings;
  const fetchFn = settings.fetch ?? fetch;
  const now = settings.now ?? Date.now;
  return {
    async request(method, path, options) {
      const url = new URL(`${settings.apiUrl}${path}`);
      for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
      const headers: Record<string, string> = {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'x-github-api-version': GITHUB_API_VERSION,
        'user-agent': settings.userAgent ?? DEFAULT_USER_AGENT,
      };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await fetchFn(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          // Following a redirect would resend the token to wherever it points; GitHub's API answers
          // directly, so a 3xx is reported as unexpected. ('manual' rather than 'error': Workers accept it.)
          redirect: 'manual',
          signal: AbortSignal.timeout(settings.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        });
      } catch (error) {
        throw forgeError('network', where, `cannot reach ${url.origin} (${networkReason(error)}) for ${method} ${url.pathname}`, { cause: error, data: { apiUrl: settings.apiUrl } });
      }
      const text = await response.text().catch(() => '');
      const json = parseJson(text);
      if (options.expect.includes(response.status)) {
        if (json === undefined) {
          throw forgeError('response-invalid', where, `${method} ${url.pathname} answered HTTP ${response.status} without a JSON body`, { status: response.status });
        }
        return { status: response.status, json, said: response.ok ? '' : redact(describeBody(json) ?? '', token) };
      }
      throw failure(where, settings, response, json, `${method} ${url.pathname}`, now(), token);
    },
  };
}

function failure(where: ForgeWhere, settings: GitHubClientSettings, response: Response, json: unknown, what: string, now: number, token: string): Error {
  const { status } = response;
  const said = redact(describeBody(json) ?? response.statusText ?? '', token);
  const http = said === '' ? `HTTP ${status}` : `HTTP ${status}: ${said}`;
  const tokenName = settings.tokenSource ?? 'the token';
  const limit = rateLimit(response, said, now);
  if (limit !== undefined) {
    const resetAt = new Date(limit.resetAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return forgeError('rate-limited', where, `rate limited by GitHub (${limit.kind} limit, ${http}); try again after ${resetAt} (in ${duration(limit.resetAt - now)}); not retrying`, {
      status,
      data: { resetAt, kind: limit.kind },
    });
  }
  switch (status) {
    case 401:
      return forgeError('unauthorized', where, `the token from ${tokenName} was rejected (${http}); set a valid token`, { status });
    case 403: {
      const sso = response.headers.get('x-github-sso');
      const fix = sso !== null ? 'authorise the token for the organisation’s SAML single sign-on' : 'it needs “Pull requests: write” (fine-grained token) or the “repo” scope (classic token)';
      return forgeError('forbidden', where, `the token from ${tokenName} may not do ${what} (${http}); ${fix}`, { status });
    }
    case 404:
      return forgeError('not-found', where, `repository not found, or the token from ${tokenName} cannot see it (${http} for ${what}); check the repository slug and the token's repository access`, { status });
    case 422:
      return forgeError('rejected', where, `GitHub refused ${what} (${http})`, { status });
    default:
      return forgeError(status >= 200 && status < 300 ? 'response-invalid' : 'server', where, `unexpected answer to ${what} (${http})`, { status });
  }
}

/** When a 403/429 is a rate limit, when it lifts, per GitHub's "Rate limits for the REST API". */
function rateLimit(response: Response, said: string, now: number): { resetAt: number; kind: 'primary' | 'secondary' } | undefined {
  if (response.status !== 403 && response.status !== 429) return undefined;
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = /^\s*\d+\s*$/.test(retryAfter) ? Number(retryAfter) * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(seconds)) return { resetAt: now + Math.max(0, seconds), kind: 'secondary' };
  }
  if (response.headers.get('x-ratelimit-remaining')?.trim() === '0') {
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    return { resetAt: Number.isFinite(reset) && reset > 0 ? reset * 1000 : now + SECONDARY_LIMIT_WAIT_MS, kind: 'primary' };
  }
  if (response.status === 429 || /rate limit/i.test(said)) return { resetAt: now + SECONDARY_LIMIT_WAIT_MS, kind: 'secondary' };
  return undefined;
}

/** GitHub's error body: `message`, then each validation error's own message or `field code`. */
function describeBody(json: unknown): string | undefined {
  if (!isRecord(json) || typeof json['message'] !== 'string') return undefined;
  const details = validationErrors(json);
  return details.length === 0 ? json['message'] : `${json['message']}: ${details.join('; ')}`;
}

export function validationErrors(json: unknown): string[] {
  if (!isRecord(json) || !Array.isArray(json['errors'])) return [];
  return json['errors'].map((error: unknown) => {
    if (typeof error === 'string') return error;
    if (!isRecord(error)) return String(error);
    if (typeof error['message'] === 'string') return error['message'];
    return [error['field'], error['code']].filter((part) => typeof part === 'string').join(' ');
  });
}

function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  // errno codes (ECONNREFUSED, ENOTFOUND) say it best; undici's own codes (UND_ERR_SOCKET) less than its message.
  if (typeof cause?.code === 'string' && /^E[A-Z]+$/.test(cause.code)) return cause.code;
  if (typeof cause?.message === 'string') return cause.message.split('\n')[0] ?? 'network error';
  return error instanceof Error ? (error.message.split('\n')[0] ?? 'network error') : 'network error';
}

function duration(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
