/**
 * Agent configuration: one YAML file plus environment variables, with
 * command-line flags on top. Precedence for each setting: flag, then the
 * environment, then the file, then the built-in default.
 *
 *   STELLA_HOME    folder for the config file and private keys
 *                  (default: $XDG_CONFIG_HOME/stella, else ~/.config/stella)
 *   STELLA_CONFIG  the config file (default: $STELLA_HOME/config.yaml)
 *   STELLA_REPO    the state repository
 *   STELLA_NODE    this node's name (default: the host name)
 *
 * @example
 *   const config = await loadConfig();
 *   const repo = resolveRepo(options.repo, config);
 */
import { readFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { StellaError } from '../core/errors.js';

export interface AgentConfig {
  /** Path of the state repository. */
  repo?: string;
  /** This node's name. */
  node?: string;
  /** Where the file was read from, if any. */
  source?: string;
}

export function stellaHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env['STELLA_HOME']) return resolve(env['STELLA_HOME']);
  const base = env['XDG_CONFIG_HOME'] ? env['XDG_CONFIG_HOME'] : join(homedir(), '.config');
  return join(base, 'stella');
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env['STELLA_CONFIG'] ? resolve(env['STELLA_CONFIG']) : join(stellaHome(env), 'config.yaml');
}

/** Reads the config file; a missing file is an empty config, a malformed one an error. */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<AgentConfig> {
  const path = configPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (error) {
    throw new StellaError('CONFIG_INVALID', `${path}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (parsed === null || parsed === undefined) return { source: path };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StellaError('CONFIG_INVALID', `${path}: expected a mapping of settings`);
  }
  const config: AgentConfig = { source: path };
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    switch (key) {
      case 'repo':
      case 'node':
        if (typeof value !== 'string' || value === '') {
          throw new StellaError('CONFIG_INVALID', `${path}: "${key}" must be a non-empty string`);
        }
        config[key] = key === 'repo' ? resolve(value) : value;
        break;
      case 'remote':
        // Push/pull credentials: validated where they are used (agent/remote/credentials.ts), never stored in a repository.
        break;
      default:
        throw new StellaError('CONFIG_INVALID', `${path}: unknown setting "${key}" (known: repo, node, remote)`);
    }
  }
  return config;
}

/** The state repository to use, or an error saying how to name one. */
export function resolveRepo(flag: string | undefined, config: AgentConfig, env: NodeJS.ProcessEnv = process.env): string {
  const repo = flag ?? env['STELLA_REPO'] ?? config.repo;
  if (repo === undefined || repo === '') {
    throw new StellaError('REPO_NOT_FOUND', 'no state repository given: pass --repo DIR, set STELLA_REPO, or run `stella init DIR`');
  }
  return resolve(repo);
}

/** This node's name: flag, STELLA_NODE, config, host name. Checked to be a safe path segment. */
export function resolveNode(flag: string | undefined, config: AgentConfig, env: NodeJS.ProcessEnv = process.env): string {
  const node = flag ?? env['STELLA_NODE'] ?? config.node ?? hostname();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(node) || node.includes('..')) {
    throw new StellaError('USAGE', `node name '${node}' must be 1–63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return node;
}
