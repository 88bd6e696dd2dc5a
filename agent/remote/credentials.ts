/**
 * Credentials for the remote, and the auth callbacks the session's
 * transport calls to hand them over. Sources, first match wins:
 *
 *   STELLA_GIT_USERNAME + STELLA_GIT_PASSWORD   HTTP basic auth
 *   STELLA_GIT_TOKEN (+ STELLA_GIT_USERNAME)    a token as the basic-auth password
 *                                               (user `x-access-token` unless given)
 *   the config file's `remote:` mapping          `username`, `password` or `token`
 *
 * Credentials live only in memory: nothing here writes to the repository or
 * its `.git/config`. They are sent only after the server asks (HTTP 401), so
 * a public remote never sees them.
 *
 * @example
 *   const credentials = await resolveCredentials();            // env, then config file
 *   const auth = remoteAuth(remote, credentials);
 *   const session = openSession(remote, credentials); // asks auth.onAuth() on the server's 401
 */
import { StellaError } from '../../core/errors.js';
import { configSection } from '../config.js';
import type { Remote } from './remote.js';

export interface Credentials {
  username: string;
  password: string;
  /** Where they came from, for messages (never the secret itself). */
  source: string;
}

/** Username sent with a bare token: GitHub, Gitea and others accept any name with a token password. */
export const TOKEN_USERNAME = 'x-access-token';

/**
 * The credentials to offer the remote, or undefined when none are configured.
 *
 * @example
 *   await resolveCredentials({ STELLA_GIT_TOKEN: 'glpat-…' }); // { username: 'x-access-token', password: 'glpat-…', source: 'STELLA_GIT_* environment variables' }
 */
export async function resolveCredentials(env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const fromEnv = pick(
    { username: env['STELLA_GIT_USERNAME'], password: env['STELLA_GIT_PASSWORD'], token: env['STELLA_GIT_TOKEN'] },
    'STELLA_GIT_* environment variables',
    'STELLA_GIT_',
  );
  if (fromEnv !== undefined) return fromEnv;
  return fromConfigFile(env);
}

async function fromConfigFile(env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const config = await configSection('remote', env);
  if (config === undefined) return undefined;
  const { path, value: section } = config;
  if (typeof section !== 'object' || Array.isArray(section)) {
    throw new StellaError('CONFIG_INVALID', `${path}: "remote" must be a mapping with username and password, or token`);
  }
  const values = section as Record<string, unknown>;
  for (const [key, value] of Object.entries(values)) {
    if (!['username', 'password', 'token'].includes(key)) {
      throw new StellaError('CONFIG_INVALID', `${path}: unknown setting "remote.${key}" (known: username, password, token)`);
    }
    if (typeof value !== 'string' || value === '') throw new StellaError('CONFIG_INVALID', `${path}: "remote.${key}" must be a non-empty string`);
  }
  return pick(
    { username: values['username'] as string | undefined, password: values['password'] as string | undefined, token: values['token'] as string | undefined },
    path,
    'remote.',
  );
}

function pick(
  values: { username: string | undefined; password: string | undefined; token: string | undefined },
  source: string,
  prefix: string,
): Credentials | undefined {
  const set = (value: string | undefined): value is string => value !== undefined && value !== '';
  const name = (key: string): string => (prefix === 'STELLA_GIT_' ? `${prefix}${key.toUpperCase()}` : `${prefix}${key}`);
  if (set(values.password) && set(values.token)) {
    throw new StellaError('CONFIG_INVALID', `${source}: set ${name('password')} or ${name('token')}, not both`);
  }
  if (set(values.token)) return { username: set(values.username) ? values.username : TOKEN_USERNAME, password: values.token, source };
  if (set(values.password)) {
    if (!set(values.username)) throw new StellaError('CONFIG_INVALID', `${source}: ${name('password')} needs ${name('username')}`);
    return { username: values.username, password: values.password, source };
  }
  if (set(values.username)) throw new StellaError('CONFIG_INVALID', `${source}: ${name('username')} needs ${name('password')} or ${name('token')}`);
  return undefined;
}

/** Auth callbacks for one remote, remembering whether the server asked and whether it refused. */
/** What to answer the server's request for credentials: these, or give up. */
export type AuthAnswer = { username: string; password: string } | { cancel: true };

export interface RemoteAuth {
  /** The server asked (HTTP 401): the credentials, or cancel when there are none. */
  onAuth(...context: unknown[]): AuthAnswer;
  /** The server refused the credentials: give up. */
  onAuthFailure(...context: unknown[]): AuthAnswer;
  /** The Authorization header for every request, once the server has asked for credentials. */
  headers(): Record<string, string>;
  /** What happened, for the error message when a request fails with 401/403. */
  state(): 'not-asked' | 'missing' | 'rejected' | 'accepted';
  credentials: Credentials | undefined;
}

/**
 * Callbacks that answer a 401 with `credentials` once, and give up (instead of looping) when refused.
 *
 * @example
 *   const auth = remoteAuth(remote, credentials);
 *   if ('cancel' in auth.onAuth()) … // no credentials: report authProblem(remote, auth, 401)
 */
export function remoteAuth(remote: Remote, credentials: Credentials | undefined): RemoteAuth {
  let state: ReturnType<RemoteAuth['state']> = 'not-asked';
  return {
    credentials,
    onAuth: (): AuthAnswer => {
      if (credentials === undefined) {
        state = 'missing';
        return { cancel: true };
      }
      state = 'accepted';
      return { username: credentials.username, password: credentials.password };
    },
    // Asking again with the same credentials would loop: give up and say which source was refused.
    onAuthFailure: (): AuthAnswer => {
      state = 'rejected';
      return { cancel: true };
    },
    headers: (): Record<string, string> =>
      state === 'accepted' && credentials !== undefined
        ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` }
        : {},
    state: () => state,
  };
}

/**
 * The error for a remote that refused us (HTTP 401/403, or a cancelled auth prompt): missing or rejected credentials, and their source.
 *
 * @example throw authProblem(remote, auth, 401); // remote https://… rejected the credentials from STELLA_GIT_* environment variables (HTTP 401)
 */
export function authProblem(remote: Remote, auth: RemoteAuth, status: number | undefined): StellaError {
  const how =
    auth.state() === 'missing' || auth.credentials === undefined
      ? 'requires credentials; set STELLA_GIT_USERNAME and STELLA_GIT_PASSWORD (or STELLA_GIT_TOKEN), or remote: in the config file'
      : `rejected the credentials from ${auth.credentials.source}${status === undefined ? '' : ` (HTTP ${status})`}`;
  return new StellaError('CONFIG_INVALID', `remote ${remote.url} ${how}`, { data: { remote: remote.url, reason: 'auth', status } });
}
