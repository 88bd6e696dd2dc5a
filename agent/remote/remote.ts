/**
 * Which remote a state repository talks to: the `origin` that `git clone`
 * recorded (`remote.origin.url`), or a URL given on the command line. Only
 * smart HTTP(S) is supported, and a URL must not carry credentials — they
 * come from the environment or the config file (`credentials.ts`) and are
 * never written into the repository or its `.git/config`.
 *
 * @example
 *   const remote = await resolveRemote(repo.store.gitdir);          // origin
 *   const other = await resolveRemote(repo.store.gitdir, 'https://git.example/state.git');
 *   // other.name === 'stella-3f2a…': its tracking refs live under refs/remotes/stella-3f2a…/
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { StellaError } from '../../core/errors.js';
import { GitStore } from '../../core/git/git-store.js';

export interface Remote {
  /** The repository URL, without credentials and without a trailing slash. */
  url: string;
  /** Namespace of the remote-tracking refs: `refs/remotes/<name>/…`. */
  name: string;
}

export const ORIGIN = 'origin';

/**
 * The remote for a repository: `flag` (a `--remote` URL) or `remote.origin.url`, checked to be plain http(s).
 *
 * @example const remote = await resolveRemote(repo.store.gitdir, options.remote);
 */
export async function resolveRemote(gitdir: string, flag?: string): Promise<Remote> {
  const originUrl = await new GitStore({ fs, dir: gitdir, gitdir }).getConfig(`remote.${ORIGIN}.url`);
  if (flag === undefined) {
    if (originUrl === undefined) {
      throw new StellaError('USAGE', `${gitdir}: no remote to talk to (no remote.origin.url); clone the state repository over HTTP(S) or pass --remote URL`);
    }
    return { url: checkUrl(originUrl, 'remote.origin.url'), name: ORIGIN };
  }
  const url = checkUrl(flag, '--remote');
  // Tracking refs of an ad-hoc URL must not mix with origin's: they are hints about what that remote has.
  const name = originUrl !== undefined && sameUrl(originUrl, url) ? ORIGIN : `stella-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
  return { url, name };
}

/** Tracking ref of a remote branch. @example trackingRef(remote, 'main') // 'refs/remotes/origin/main' */
export function trackingRef(remote: Remote, branch: string): string {
  return `refs/remotes/${remote.name}/${branch}`;
}

function checkUrl(value: string, where: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new StellaError('USAGE', `${where}: '${value}' is not a URL (expected http(s)://host/path/state.git)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new StellaError('USAGE', `${where}: ${parsed.protocol}// remotes are not supported; use the repository's http(s):// URL`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // Printing the URL would print the secret: name only the host.
    throw new StellaError('USAGE', `${where}: the URL for ${parsed.host} carries credentials; remove them and set STELLA_GIT_USERNAME/STELLA_GIT_PASSWORD or STELLA_GIT_TOKEN instead`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new StellaError('USAGE', `${where}: '${value}' has a query or fragment; give the plain repository URL`);
  }
  return parsed.href.replace(/\/+$/, '');
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href.replace(/\/+$/, '') === b;
  } catch {
    return false;
  }
}
