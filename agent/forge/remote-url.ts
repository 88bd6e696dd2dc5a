/**
 * Which forge repository a Git remote URL points at: its host and its path
 * (`owner/name`, or `group/subgroup/name` on GitLab), from every form `git
 * clone` accepts for a hosted repository:
 *
 *   https://github.com/acme/state.git        http(s), with or without `.git` or a trailing slash
 *   https://user:secret@github.com/acme/state  credentials are ignored and never repeated in errors
 *   git@github.com:acme/state.git            scp-like ssh
 *   ssh://git@github.com:22/acme/state.git   ssh URL (also git+ssh://, git://)
 *
 * Local paths and `file://` name no forge: the caller must be told the slug.
 *
 * @example
 *   parseRemoteUrl('git@github.com:acme/state.git') // { host: 'github.com', slug: 'acme/state' }
 */
import { StellaError } from '../../core/errors.js';

export interface RemoteLocation {
  /** Host name, lower case, without port or credentials. */
  host: string;
  /** Repository path on the host without `.git`: `owner/name`. */
  slug: string;
}

const URL_SCHEMES = new Set(['http:', 'https:', 'ssh:', 'git+ssh:', 'ssh+git:', 'git:']);

export function parseRemoteUrl(remote: string): RemoteLocation {
  const value = remote.trim();
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)([^\s]+)$/.exec(value);
  // `C:\x` or `C:/x` is a Windows path, not host `C`.
  if (scp !== null && !/^[A-Za-z]$/.test(scp[1] as string) && !value.includes('://')) {
    return { host: (scp[1] as string).toLowerCase(), slug: slugFrom(scp[2] as string, remote) };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw notAForge(remote, 'is a local path, not a hosted repository');
  }
  if (!URL_SCHEMES.has(url.protocol)) throw notAForge(remote, `uses ${url.protocol}//, not a hosted repository`);
  if (url.hostname === '') throw notAForge(remote, 'names no host');
  return { host: url.hostname.toLowerCase(), slug: slugFrom(decodeURIComponent(url.pathname), remote) };
}

function slugFrom(path: string, remote: string): string {
  const slug = path
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
  const segments = slug.split('/');
  if (slug === '' || segments.some((s) => s === '' || s === '.' || s === '..' || !/^[A-Za-z0-9_.-]+$/.test(s))) {
    throw notAForge(remote, `has no owner/name path ('${slug}')`);
  }
  return slug;
}

function notAForge(remote: string, problem: string): StellaError {
  return new StellaError('USAGE', `remote ${withoutCredentials(remote)} ${problem}; pass --repo-slug owner/name`);
}

/** The URL as it may be printed: userinfo (a token, often) removed. */
export function withoutCredentials(remote: string): string {
  return remote.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^@/]*@/, '$1');
}
