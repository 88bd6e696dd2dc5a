/**
 * The GitHub adapter against a local server that answers as GitHub's REST
 * API documents: what it sends, create-then-update, and every failure as a
 * one-line coded error that never contains the token.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStellaError } from '../../core/errors.js';
import type { PullRequestRequest } from './forge.js';
import { startFakeGitHub, type FakeGitHub } from './fake-github.test-helper.js';
import { createGitHubForge, GITHUB_MAX_BODY_LENGTH, githubApiUrlForHost } from './github.js';

const TOKEN = 'ghp_TESTtokenVALUE0123456789abcdefABCDEF';
const REPOSITORY = 'acme/state';
const request: PullRequestRequest = { head: 'agents/edge-1', base: 'main', title: 'Stella findings from edge-1: 3 changed (3 new, 0 fixed, 0 updated)', body: '# Stella findings review\n\nfirst\n' };

let github: FakeGitHub;

beforeEach(async () => {
  github = await startFakeGitHub({ token: TOKEN, repository: REPOSITORY });
});
afterEach(() => github.close());

const forge = (overrides: Partial<Parameters<typeof createGitHubForge>[0]> = {}) =>
  createGitHubForge({ token: TOKEN, tokenSource: 'STELLA_FORGE_TOKEN', repository: REPOSITORY, apiUrl: github.apiUrl, userAgent: 'stella-mesh/test', ...overrides });

/** The thrown error, checked to be a StellaError that leaks the token nowhere. */
async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; data: Record<string, unknown> }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isStellaError(error)).toBe(true);
  const shaped = error as { code: string; message: string; data: Record<string, unknown>; cause?: unknown; stack?: string };
  for (const text of [shaped.message, JSON.stringify(shaped), JSON.stringify(shaped.data), String(shaped.stack), String(shaped.cause)]) expect(text).not.toContain(TOKEN);
  expect(shaped.message).not.toContain('\n');
  return shaped;
}

describe('GitHub adapter', () => {
  it('looks for an open pull request, then creates one with the documented headers and body', async () => {
    const result = await forge().openOrUpdatePullRequest(request);

    expect(result).toEqual({ number: 1, url: `https://github.example/${REPOSITORY}/pull/1`, created: true, updated: false });
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /repos/${REPOSITORY}/pulls`, `POST /repos/${REPOSITORY}/pulls`]);
    const [list, create] = github.requests as [FakeGitHub['requests'][number], FakeGitHub['requests'][number]];
    expect(Object.fromEntries(list.query)).toEqual({ head: 'acme:agents/edge-1', base: 'main', state: 'open' });
    for (const sent of github.requests) {
      expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(sent.headers.accept).toBe('application/vnd.github+json');
      expect(sent.headers['x-github-api-version']).toBe('2022-11-28');
      expect(sent.headers['user-agent']).toBe('stella-mesh/test');
    }
    expect(create.headers['content-type']).toBe('application/json');
    expect(create.body).toEqual({ title: request.title, head: 'agents/edge-1', base: 'main', body: request.body, maintainer_can_modify: false });
    expect(github.pulls).toHaveLength(1);
  });

  it('updates the same pull request on the second call, and leaves it alone when nothing changed', async () => {
    const first = await forge().openOrUpdatePullRequest(request);
    const second = await forge().openOrUpdatePullRequest({ ...request, title: 'Stella findings from edge-1: 4 changed (3 new, 1 fixed, 0 updated)', body: '# review\n\nsecond\n' });

    expect(second).toEqual({ number: first.number, url: first.url, created: false, updated: true });
    const patch = github.requests.at(-1);
    expect(`${patch?.method} ${patch?.path}`).toBe(`PATCH /repos/${REPOSITORY}/pulls/${first.number}`);
    expect(patch?.body).toEqual({ title: 'Stella findings from edge-1: 4 changed (3 new, 1 fixed, 0 updated)', body: '# review\n\nsecond\n' });
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]?.body).toBe('# review\n\nsecond\n');

    const before = github.requests.length;
    const third = await forge().openOrUpdatePullRequest({ ...request, title: 'Stella findings from edge-1: 4 changed (3 new, 1 fixed, 0 updated)', body: '# review\n\nsecond\n' });
    expect(third).toMatchObject({ number: first.number, created: false, updated: false });
    expect(github.requests.slice(before).map((r) => r.method)).toEqual(['GET']);
  });

  it('when another run opened it first (422 "already exists"), looks again and updates that one', async () => {
    await forge().openOrUpdatePullRequest(request);
    github.staleLists = 1;
    const raced = await forge().openOrUpdatePullRequest({ ...request, body: 'newer\n' });

    expect(raced).toMatchObject({ number: 1, created: false, updated: true });
    expect(github.requests.slice(2).map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]?.body).toBe('newer\n');
  });

  it('sends requests under /api/v3 for GitHub Enterprise Server', async () => {
    const enterprise = await startFakeGitHub({ token: TOKEN, repository: REPOSITORY, prefix: '/api/v3' });
    try {
      const result = await forge({ apiUrl: `${enterprise.apiUrl}/` }).openOrUpdatePullRequest(request);
      expect(result.created).toBe(true);
      expect(enterprise.requests.map((r) => r.path)).toEqual([`/api/v3/repos/${REPOSITORY}/pulls`, `/api/v3/repos/${REPOSITORY}/pulls`]);
    } finally {
      await enterprise.close();
    }
  });

  it('reports a rejected token (401 Bad credentials) by its source, never the token', async () => {
    const error = await failure(forge({ token: 'ghp_WRONGtokenVALUE' }).openOrUpdatePullRequest(request));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.data).toMatchObject({ forge: 'github', repository: REPOSITORY, reason: 'unauthorized', status: 401 });
    expect(error.message).toMatch(/^github acme\/state: the token from STELLA_FORGE_TOKEN was rejected \(HTTP 401: Bad credentials\)/);
    expect(error.message).not.toContain('ghp_WRONGtokenVALUE');
    expect(github.requests).toHaveLength(1);
  });

  it('reports a primary rate limit with the reset time and does not retry', async () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    github.rateLimit = { kind: 'primary', reset: now / 1000 + 14 * 60 };
    const error = await failure(forge({ now: () => now }).openOrUpdatePullRequest(request));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.data).toMatchObject({ reason: 'rate-limited', status: 403, kind: 'primary', resetAt: '2025-01-01T12:14:00Z' });
    expect(error.message).toContain('try again after 2025-01-01T12:14:00Z (in 14 min); not retrying');
    expect(error.message).toContain('API rate limit exceeded');
    expect(github.requests).toHaveLength(1);
  });

  it('reports a secondary rate limit (429 retry-after) as now + retry-after', async () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    github.rateLimit = { kind: 'secondary', retryAfter: 60 };
    const error = await failure(forge({ now: () => now }).openOrUpdatePullRequest(request));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.data).toMatchObject({ status: 429, kind: 'secondary', resetAt: '2025-01-01T12:01:00Z' });
    expect(github.requests).toHaveLength(1);
  });

  it('reports an unknown repository (404) as not found', async () => {
    const error = await failure(forge({ repository: 'acme/missing' }).openOrUpdatePullRequest(request));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toMatch(/^github acme\/missing: repository not found, or the token from STELLA_FORGE_TOKEN cannot see it \(HTTP 404: Not Found/);
  });

  it('reports a head branch GitHub does not have (422 head invalid) with what to do', async () => {
    const strict = await startFakeGitHub({ token: TOKEN, repository: REPOSITORY, branches: ['main'] });
    try {
      const error = await failure(forge({ apiUrl: strict.apiUrl }).openOrUpdatePullRequest(request));
      expect(error.code).toBe('USAGE');
      expect(error.data).toMatchObject({ reason: 'rejected', status: 422, errors: ['head invalid'] });
      expect(error.message).toContain('(HTTP 422: Validation Failed: head invalid); push agents/edge-1 first');
    } finally {
      await strict.close();
    }
  });

  it('reports a server it cannot reach as a network error naming the host', async () => {
    const url = github.apiUrl;
    await github.close();
    const error = await failure(forge({ apiUrl: url }).openOrUpdatePullRequest(request));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.data).toMatchObject({ reason: 'network' });
    expect(error.message).toMatch(new RegExp(`^github acme/state: cannot reach ${url.replace(/[.]/g, '\\.')} \\(ECONNREFUSED\\)`));
    github = await startFakeGitHub({ token: TOKEN, repository: REPOSITORY });
  });

  it.each([
    ['an empty token', { token: '  ' }, 'USAGE', /no API token/],
    ['a token with a line break', { token: 'ghp_a\nInjected: 1' }, 'USAGE', /characters a header cannot carry/],
    ['plain http to another host', { apiUrl: 'http://api.github.example' }, 'USAGE', /not https: the token would travel in clear text/],
    ['a slug that is not owner/name', { repository: 'acme/state/extra' }, 'USAGE', /not a GitHub repository slug/],
  ])('refuses %s before sending anything', async (_what, overrides, code, pattern) => {
    const error = await failure(Promise.resolve().then(() => forge(overrides)));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(pattern);
    expect(error.message).not.toContain('Injected');
    expect(github.requests).toHaveLength(0);
  });

  it('refuses a body longer than GitHub takes, before sending it', async () => {
    const error = await failure(forge().openOrUpdatePullRequest({ ...request, body: 'x'.repeat(GITHUB_MAX_BODY_LENGTH + 1) }));
    expect(error.message).toContain(`GitHub takes at most ${GITHUB_MAX_BODY_LENGTH}`);
    expect(github.requests).toHaveLength(0);
  });

  it('knows the API of github.com only; an Enterprise host must be named', () => {
    expect(githubApiUrlForHost('GitHub.com')).toBe('https://api.github.com');
    expect(githubApiUrlForHost('ssh.github.com')).toBe('https://api.github.com');
    expect(githubApiUrlForHost('ghe.example.com')).toBeUndefined();
  });
});
