/**
 * The forges Stella can open pull requests on, by name. An adapter is one
 * entry: its factory, how it finds its API from a clone's host, and which
 * environment variable, besides `STELLA_FORGE_TOKEN`, conventionally holds
 * its token (CI systems provide one).
 *
 * @example
 *   const entry = forgeEntry('github');
 *   const forge = entry.create({ token, repository: 'acme/state', apiUrl: entry.defaultApiUrl });
 */
import { StellaError } from '../../core/errors.js';
import type { Forge, ForgeName, ForgeOptions } from './forge.js';
import { createGitHubForge, GITHUB_API_URL, GITHUB_MAX_BODY_LENGTH, githubApiUrlForHost } from './github.js';

export interface ForgeEntry {
  name: ForgeName;
  create(options: ForgeOptions): Forge;
  /** Longest pull request body the forge takes (the same as its adapters' `maxBodyLength`), known before any token. */
  maxBodyLength: number;
  /** API of the forge's public service, used when the repository is named by slug alone. */
  defaultApiUrl: string;
  /** The API base URL for a repository on `host`, when it is the forge's public service; undefined otherwise. */
  apiUrlForHost(host: string): string | undefined;
  /** What to suggest when the host is a self-hosted instance. */
  apiUrlHint(host: string): string;
  /** Environment variables tried after STELLA_FORGE_TOKEN. */
  tokenEnv: readonly string[];
}

const FORGES: Readonly<Record<ForgeName, ForgeEntry>> = {
  github: {
    name: 'github',
    create: createGitHubForge,
    defaultApiUrl: GITHUB_API_URL,
    maxBodyLength: GITHUB_MAX_BODY_LENGTH,
    apiUrlForHost: githubApiUrlForHost,
    apiUrlHint: (host) => `https://${host}/api/v3`,
    tokenEnv: ['GITHUB_TOKEN'],
  },
};

export const FORGE_NAMES: readonly ForgeName[] = Object.keys(FORGES).sort() as ForgeName[];

export function forgeEntry(name: string): ForgeEntry {
  if (!Object.hasOwn(FORGES, name)) {
    throw new StellaError('USAGE', `unknown forge '${name}' (known: ${FORGE_NAMES.join(', ')})`);
  }
  return FORGES[name as ForgeName];
}
