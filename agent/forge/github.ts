/**
 * GitHub and GitHub Enterprise Server as a forge, through the REST API
 * (version 2022-11-28). Opening or updating is two requests in the usual
 * case:
 *
 *   GET   /repos/{owner}/{repo}/pulls?head={owner}:{branch}&base={base}&state=open
 *   PATCH /repos/{owner}/{repo}/pulls/{number}   {title, body}        when one is open and differs
 *   POST  /repos/{owner}/{repo}/pulls            {title, head, base, body, maintainer_can_modify: false}  otherwise
 *
 * Looking first (rather than creating and catching the 422) keeps re-runs
 * from producing a failed write each time, and creating is what GitHub's
 * secondary limits count. If another run opens the same pull request between
 * the look-up and the create, GitHub answers 422 "A pull request already
 * exists for owner:branch." and the adapter looks again and updates that one.
 *
 * The API base URL is `https://api.github.com`, or `https://HOST/api/v3` for
 * GitHub Enterprise Server. Plain `http:` is accepted only for loopback
 * addresses (tests, local proxies), so a token never crosses a network in
 * clear text.
 *
 * @example
 *   const forge = createGitHubForge({ token: process.env.GITHUB_TOKEN ?? '', repository: 'acme/state', userAgent: 'stella-mesh/0.1.0' });
 *   const { number, url, created } = await forge.openOrUpdatePullRequest({ head: 'agents/edge-1', base: 'main', title, body });
 */
import { forgeError, type ForgeWhere } from './errors.js';
import { checkApiUrl, checkRequest, checkSlug, checkToken } from './github-checks.js';
import type { Forge, ForgeOptions, PullRequest, PullRequestRequest, PullRequestResult } from './forge.js';
import { createGitHubClient, isRecord, validationErrors, type GitHubClient } from './github-http.js';

export const GITHUB_API_URL = 'https://api.github.com';
/** GitHub answers 422 "body is too long (maximum is 65536 characters)" above this. */
export const GITHUB_MAX_BODY_LENGTH = 65_536;

/**
 * The API URL for a repository hosted on `host`: known only for github.com.
 * A GitHub Enterprise host needs `--api-url https://HOST/api/v3` given
 * explicitly, so a token meant for one host is never sent to another.
 *
 * @example githubApiUrlForHost('github.com') // 'https://api.github.com'
 */
export function githubApiUrlForHost(host: string): string | undefined {
  return ['github.com', 'www.github.com', 'ssh.github.com'].includes(host.toLowerCase()) ? GITHUB_API_URL : undefined;
}

export function createGitHubForge(options: ForgeOptions): Forge {
  const where: ForgeWhere = { forge: 'github', repository: options.repository };
  const [owner, repo] = checkSlug(options.repository, where);
  const apiUrl = checkApiUrl(options.apiUrl ?? GITHUB_API_URL, where);
  const token = checkToken(options.token, options.tokenSource, where);
  const client = createGitHubClient({ ...where, ...options, apiUrl, token });
  const pulls = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/pulls`;

  const findOpenPullRequest = async (head: string, base: string): Promise<PullRequest | undefined> => {
    // `head` must be namespaced with the owner for GitHub to filter on it; fork pull requests are not ours.
    const { json } = await client.request('GET', pulls, { query: { head: `${owner}:${head}`, base, state: 'open' }, expect: [200] });
    if (!Array.isArray(json)) throw forgeError('response-invalid', where, `GET ${pulls} did not answer a list of pull requests`);
    const found = json.map((item: unknown) => toPullRequest(item, `GET ${pulls}`, where));
    return found.sort((a, b) => a.number - b.number)[0];
  };

  return {
    name: 'github',
    repository: options.repository,
    apiUrl,
    maxBodyLength: GITHUB_MAX_BODY_LENGTH,
    findOpenPullRequest,
    async openOrUpdatePullRequest(request) {
      checkRequest(request, GITHUB_MAX_BODY_LENGTH, where);
      const existing = await findOpenPullRequest(request.head, request.base);
      if (existing !== undefined) return update(client, pulls, existing, request, where);
      const created = await create(client, pulls, request, where);
      if (created !== 'exists') return { number: created.number, url: created.url, created: true, updated: false };
      const raced = await findOpenPullRequest(request.head, request.base);
      if (raced === undefined) {
        throw forgeError('rejected', where, `GitHub says a pull request from ${request.head} already exists, but none is open into ${request.base}; close or retarget it`);
      }
      return update(client, pulls, raced, request, where);
    },
  };
}

async function create(client: GitHubClient, pulls: string, request: PullRequestRequest, where: ForgeWhere): Promise<PullRequest | 'exists'> {
  const body = { title: request.title, head: request.head, base: request.base, body: request.body, maintainer_can_modify: false };
  const answer = await client.request('POST', pulls, { body, expect: [201, 422] });
  if (answer.status === 201) return toPullRequest(answer.json, `POST ${pulls}`, where);
  const errors = validationErrors(answer.json);
  // GitHub's code for this is `custom`, so the message is what tells it apart.
  if (errors.some((e) => /already exists/i.test(e))) return 'exists';
  const hint = errors.some((e) => e === 'head invalid' || /no commits between/i.test(e))
    ? `; push ${request.head} first, with commits ${request.base} does not have`
    : '';
  throw forgeError('rejected', where, `GitHub refused a pull request from ${request.head} into ${request.base} (HTTP 422: ${answer.said})${hint}`, { status: 422, data: { errors } });
}

async function update(client: GitHubClient, pulls: string, existing: PullRequest, request: PullRequestRequest, where: ForgeWhere): Promise<PullRequestResult> {
  if (existing.title === request.title && existing.body === request.body) {
    return { number: existing.number, url: existing.url, created: false, updated: false };
  }
  const path = `${pulls}/${existing.number}`;
  const { json } = await client.request('PATCH', path, { body: { title: request.title, body: request.body }, expect: [200] });
  const updated = toPullRequest(json, `PATCH ${path}`, where);
  return { number: updated.number, url: updated.url, created: false, updated: true };
}

function toPullRequest(value: unknown, what: string, where: ForgeWhere): PullRequest {
  if (!isRecord(value) || !Number.isSafeInteger(value['number']) || typeof value['html_url'] !== 'string') {
    throw forgeError('response-invalid', where, `${what} answered something that is not a pull request (no number or html_url)`);
  }
  return {
    number: value['number'] as number,
    url: value['html_url'],
    title: typeof value['title'] === 'string' ? value['title'] : '',
    // GitHub sends `body: null` for an empty description.
    body: typeof value['body'] === 'string' ? value['body'] : '',
  };
}
