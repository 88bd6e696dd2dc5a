/**
 * Which forge repository a clone proposes to, and with which token: shared
 * by `stella review open` (findings) and `stella node join` (enrollment), so
 * both read the same flags and environment the same way.
 *
 * @example
 *   const entry = forgeEntry('github');
 *   const { repository, apiUrl } = await locateForgeRepository(repo, entry, {});
 *   const { token, source } = findForgeToken(process.env, entry, repository);
 */
import { StellaError } from '../../core/errors.js';
import { forgeError } from '../forge/errors.js';
import type { ForgeEntry } from '../forge/registry.js';
import { parseRemoteUrl, withoutCredentials } from '../forge/remote-url.js';
import type { StateRepo } from '../repo/state-repo.js';

/** Checked first; then the forge's own variable (GITHUB_TOKEN for github). */
export const FORGE_TOKEN_ENV = 'STELLA_FORGE_TOKEN';

/** The `--repo-slug` and `--api-url` flags, when given. */
export interface ForgeFlags {
  repoSlug?: string | undefined;
  apiUrl?: string | undefined;
}

/**
 * The forge repository and API: flags first, else the origin remote's host and path.
 * Throws USAGE when neither names one the forge serves.
 * @example await locateForgeRepository(repo, forgeEntry('github'), { repoSlug: 'acme/state' })
 */
export async function locateForgeRepository(repo: StateRepo, entry: ForgeEntry, flags: ForgeFlags): Promise<{ repository: string; apiUrl: string }> {
  if (flags.repoSlug !== undefined) return { repository: flags.repoSlug, apiUrl: flags.apiUrl ?? entry.defaultApiUrl };
  const origin = await repo.store.getConfig('remote.origin.url');
  if (origin === undefined) {
    throw new StellaError('USAGE', `${repo.dir}: no origin remote to name the ${entry.name} repository; pass --repo-slug owner/name`);
  }
  const { host, slug } = parseRemoteUrl(origin);
  const apiUrl = flags.apiUrl ?? entry.apiUrlForHost(host);
  if (apiUrl === undefined) {
    throw new StellaError(
      'USAGE',
      `origin ${withoutCredentials(origin)} is on ${host}, not ${entry.name}'s public service; pass --api-url (for GitHub Enterprise: ${entry.apiUrlHint(host)}) or --forge`,
    );
  }
  return { repository: slug, apiUrl };
}

/**
 * The first non-empty of STELLA_FORGE_TOKEN and the forge's own variables, with its name.
 * Throws the forge's `token-missing` error when none is set.
 * @example findForgeToken(process.env, forgeEntry('github'), 'acme/state') // { token: '…', source: 'GITHUB_TOKEN' }
 */
export function findForgeToken(env: NodeJS.ProcessEnv, entry: ForgeEntry, repository: string): { token: string; source: string } {
  const names = [FORGE_TOKEN_ENV, ...entry.tokenEnv];
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { token: value, source: name };
  }
  throw forgeError('token-missing', { forge: entry.name, repository }, `no API token: set ${names.join(' or ')} to a token that may open pull requests (or use --print)`);
}
