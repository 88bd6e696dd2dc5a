/**
 * What the GitHub adapter checks before it sends anything: a slug GitHub can
 * have, an API URL that keeps the token off clear-text networks, a token a
 * header can carry, branch names and a body within GitHub's limit. Failing
 * here costs no request and says exactly which input is wrong.
 *
 * @example
 *   const [owner, repo] = checkSlug('acme/state', { forge: 'github', repository: 'acme/state' });
 */
import { forgeError, type ForgeWhere } from './errors.js';
import type { PullRequestRequest } from './forge.js';

export function checkSlug(slug: string, where: ForgeWhere): [string, string] {
  const parts = slug.split('/');
  const [owner, repo] = parts;
  const segment = /^[A-Za-z0-9_.-]+$/;
  if (parts.length !== 2 || owner === undefined || repo === undefined || !segment.test(owner) || !segment.test(repo) || /^\.+$/.test(owner) || /^\.+$/.test(repo)) {
    throw forgeError('rejected', where, `'${slug}' is not a GitHub repository slug (expected owner/name)`);
  }
  return [owner, repo];
}

export function checkApiUrl(value: string, where: ForgeWhere): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw forgeError('rejected', where, `API URL '${value}' is not a URL (expected https://api.github.com or https://HOST/api/v3)`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw forgeError('rejected', where, `API URL for ${url.host} must not carry credentials, a query or a fragment`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw forgeError('rejected', where, `API URL ${url.origin} is not https: the token would travel in clear text`);
  }
  return url.href.replace(/\/+$/, '');
}

export function checkToken(token: string, source: string | undefined, where: ForgeWhere): string {
  const trimmed = token.trim();
  if (trimmed === '') throw forgeError('token-missing', where, `no API token (${source ?? 'token'} is empty)`);
  // A control character or space would be refused by fetch with a message that may quote the header.
  if (!/^[\x21-\x7e]+$/.test(trimmed)) throw forgeError('token-missing', where, `the token from ${source ?? 'the options'} contains spaces or characters a header cannot carry`);
  return trimmed;
}

export function checkRequest(request: PullRequestRequest, maxBodyLength: number, where: ForgeWhere): void {
  for (const [field, value] of [['head', request.head], ['base', request.base]] as const) {
    if (!/^[A-Za-z0-9._/-]+$/.test(value) || value.includes('..') || value.startsWith('/') || value.endsWith('/')) {
      throw forgeError('rejected', where, `'${value}' is not a usable branch name for ${field}`);
    }
  }
  if (request.title.trim() === '' || /[\r\n]/.test(request.title)) throw forgeError('rejected', where, 'a pull request title must be one non-empty line');
  if (request.body.length > maxBodyLength) {
    throw forgeError('rejected', where, `the pull request body has ${request.body.length} characters; GitHub takes at most ${maxBodyLength} (shorten it with fitBody)`);
  }
}

/** 127.0.0.0/8, ::1 and localhost: where plain http cannot be overheard. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
