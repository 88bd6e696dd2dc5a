/**
 * A local stand-in for the GitHub REST API's pull request endpoints, as
 * GitHub documents them (version 2022-11-28), on 127.0.0.1 and a random
 * port. It answers like GitHub — status codes, JSON bodies, the 422
 * validation error for a second pull request from the same head, the 401
 * "Bad credentials" body, `x-ratelimit-*` headers — and records every
 * request so tests can assert what the adapter sent.
 *
 *   GET   {prefix}/repos/{owner}/{repo}/pulls?head=owner:branch&base=&state=open
 *   POST  {prefix}/repos/{owner}/{repo}/pulls
 *   PATCH {prefix}/repos/{owner}/{repo}/pulls/{number}
 *
 * @example
 *   const github = await startFakeGitHub({ token: 'ghp_test', repository: 'acme/state' });
 *   const forge = createGitHubForge({ token: 'ghp_test', repository: 'acme/state', apiUrl: github.apiUrl });
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body, if any. */
  body: unknown;
}

export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: 'open' | 'closed';
  maintainer_can_modify: boolean;
}

export interface FakeGitHubOptions {
  token: string;
  /** `owner/name`; any other repository is 404. */
  repository: string;
  /** Path prefix of the API (GitHub Enterprise Server: `/api/v3`). */
  prefix?: string;
  /** Branches that exist on the forge; a pull request from any other head is 422 `head invalid`. Default: any. */
  branches?: string[];
}

export interface FakeGitHub {
  apiUrl: string;
  requests: RecordedRequest[];
  pulls: FakePull[];
  /** Answer every request as rate limited: primary (403, x-ratelimit-remaining 0) or secondary (429, retry-after). */
  rateLimit: { kind: 'primary'; reset: number } | { kind: 'secondary'; retryAfter: number } | undefined;
  /** Answer this many list requests with [] (another run opening the same pull request in between). */
  staleLists: number;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const prefix = options.prefix ?? '';
  const [owner] = options.repository.split('/') as [string];
  const state: FakeGitHub = {
    apiUrl: '',
    requests: [],
    pulls: [],
    rateLimit: undefined,
    staleLists: 0,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
  let origin = '';

  const pullJson = (pull: FakePull): Record<string, unknown> => {
    const repo = { id: 1, name: options.repository.split('/')[1], full_name: options.repository, owner: { login: owner } };
    return {
      url: `${origin}${prefix}/repos/${options.repository}/pulls/${pull.number}`,
      id: 1000 + pull.number,
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      html_url: `https://github.example/${options.repository}/pull/${pull.number}`,
      user: { login: 'stella-bot' },
      head: { label: `${owner}:${pull.head}`, ref: pull.head, sha: 'a'.repeat(40), repo },
      base: { label: `${owner}:${pull.base}`, ref: pull.base, sha: 'b'.repeat(40), repo },
      maintainer_can_modify: pull.maintainer_can_modify,
      draft: false,
    };
  };

  const handle = (request: IncomingMessage, response: ServerResponse, raw: string): void => {
    const url = new URL(request.url ?? '/', origin);
    let body: unknown;
    try {
      body = raw === '' ? undefined : (JSON.parse(raw) as unknown);
    } catch {
      return send(response, 400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
    }
    state.requests.push({ method: request.method ?? '', url: request.url ?? '', path: url.pathname, query: url.searchParams, headers: request.headers, body });

    // GitHub refuses requests without a User-Agent, and API versions it does not know.
    if (request.headers['user-agent'] === undefined || request.headers['user-agent'] === '') {
      return send(response, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header', documentation_url: DOCS, status: '403' });
    }
    const version = request.headers['x-github-api-version'];
    if (version !== undefined && version !== '2022-11-28') {
      return send(response, 400, { message: `Unsupported 'X-GitHub-Api-Version': ${String(version)}`, documentation_url: DOCS, status: '400' });
    }
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return send(response, 401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    }
    if (state.rateLimit?.kind === 'primary') {
      return send(response, 403, { message: 'API rate limit exceeded for user ID 1.', documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`, status: '403' }, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(state.rateLimit.reset),
        'x-ratelimit-resource': 'core',
      });
    }
    if (state.rateLimit?.kind === 'secondary') {
      return send(response, 429, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: DOCS, status: '429' }, {
        'retry-after': String(state.rateLimit.retryAfter),
      });
    }

    const pulls = `${prefix}/repos/${options.repository}/pulls`;
    const number = url.pathname.startsWith(`${pulls}/`) ? Number(url.pathname.slice(pulls.length + 1)) : undefined;
    if (url.pathname === pulls && request.method === 'GET') {
      if (state.staleLists > 0) {
        state.staleLists -= 1;
        return send(response, 200, []);
      }
      const head = url.searchParams.get('head');
      const base = url.searchParams.get('base');
      const wanted = url.searchParams.get('state') ?? 'open';
      const found = state.pulls.filter((p) => (head === null || `${owner}:${p.head}` === head) && (base === null || p.base === base) && (wanted === 'all' || p.state === wanted));
      return send(response, 200, found.map(pullJson));
    }
    if (url.pathname === pulls && request.method === 'POST') {
      const input = body as Partial<{ title: unknown; head: unknown; base: unknown; body: unknown; maintainer_can_modify: unknown }> | undefined;
      if (typeof input?.head !== 'string' || typeof input.base !== 'string' || typeof input.title !== 'string') {
        return send(response, 422, { message: 'Invalid request.\n\n"head", "base" and "title" are required.', documentation_url: DOCS, status: '422' });
      }
      const { head, base, title } = { head: input.head, base: input.base, title: input.title };
      if (options.branches !== undefined && !options.branches.includes(head)) {
        return validation(response, [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
      }
      if (state.pulls.some((p) => p.state === 'open' && p.head === head && p.base === base)) {
        return validation(response, [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${head}.` }]);
      }
      const pull: FakePull = {
        number: state.pulls.length + 1,
        title,
        body: typeof input.body === 'string' ? input.body : null,
        head,
        base,
        state: 'open',
        maintainer_can_modify: input.maintainer_can_modify === true,
      };
      state.pulls.push(pull);
      return send(response, 201, pullJson(pull), { location: `${origin}${pulls}/${pull.number}` });
    }
    if (number !== undefined && request.method === 'PATCH') {
      const pull = state.pulls.find((p) => p.number === number);
      if (pull === undefined) return send(response, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      const input = (body ?? {}) as Partial<{ title: unknown; body: unknown }>;
      if (typeof input.title === 'string') pull.title = input.title;
      if (typeof input.body === 'string') pull.body = input.body;
      return send(response, 200, pullJson(pull));
    }
    return send(response, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.apiUrl = `${origin}${prefix}`;
  return state;
}

function validation(response: ServerResponse, errors: object[]): void {
  send(response, 422, { message: 'Validation Failed', errors, documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request', status: '422' });
}

function send(response: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(json);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-github-api-version-selected': '2022-11-28',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-resource': 'core',
    ...headers,
  });
  response.end(text);
}
