/**
 * Agent configuration: one YAML file plus environment variables, with
 * command-line flags on top. Precedence for each setting: flag, then the
 * environment, then the file, then the built-in default. The node name has
 * one more source, between the environment and the file: the node the state
 * repository was set up for (`stella init --node`, `stella config set node`,
 * kept in its .git/config as `stella.node`), so one machine can serve
 * several repositories as different nodes.
 *
 *   STELLA_HOME    folder for the config file and private keys
 *                  (default: $XDG_CONFIG_HOME/stella, else ~/.config/stella)
 *   STELLA_CONFIG  the config file (default: $STELLA_HOME/config.yaml)
 *   STELLA_REPO    the state repository
 *   STELLA_NODE    this node's name (--node, then STELLA_NODE, then the
 *                  repository's node, then the file, then the host name)
 *
 * @example
 *   const config = await loadConfig();
 *   const repo = resolveRepo(options.repo, config);
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { StellaError } from '../core/errors.js';
import { writeFileAtomically } from './fs/atomic-write.js';

export interface AgentConfig {
  /** Path of the state repository. */
  repo?: string;
  /** This node's name. */
  node?: string;
  /** The edge's URL: `stella push` goes through it when this node holds no Git credentials. */
  edge?: string;
  /** Where the file was read from, if any. */
  source?: string;
  /** `stella agent` settings (port, host, dataDir, token, queueMax), checked by agent/service/settings.ts. */
  agent?: Readonly<Record<string, unknown>>;
}

export function stellaHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env['STELLA_HOME']) return resolve(env['STELLA_HOME']);
  const base = env['XDG_CONFIG_HOME'] ? env['XDG_CONFIG_HOME'] : join(homedir(), '.config');
  return join(base, 'stella');
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env['STELLA_CONFIG'] ? resolve(env['STELLA_CONFIG']) : join(stellaHome(env), 'config.yaml');
}

/** The config file parsed as YAML; undefined when there is none, an error when it is not YAML. */
async function readConfigDocument(path: string): Promise<{ parsed: unknown } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  // Loaded only when there is a file: every command reads the config, most machines have none.
  // CommonJS: its default export is the module (scripts/bundle-cli.mjs says why).
  const { parse } = (await import('yaml')).default;
  try {
    return { parsed: parse(text) };
  } catch (error) {
    throw new StellaError('CONFIG_INVALID', `${path}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
}

/**
 * One top-level section of the config file, unchecked (`remote`, `registries`: their readers
 * validate them where they are used), with the file's path for their messages; undefined when
 * the file or the section is missing.
 * @example const remote = await configSection('remote'); // { path, value } or undefined
 */
export async function configSection(name: string, env: NodeJS.ProcessEnv = process.env): Promise<{ path: string; value: unknown } | undefined> {
  const path = configPath(env);
  const document = await readConfigDocument(path);
  const parsed = document?.parsed;
  const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[name] : undefined;
  return value === undefined || value === null ? undefined : { path, value };
}

/** Reads the config file; a missing file is an empty config, a malformed one an error. */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<AgentConfig> {
  const path = configPath(env);
  const document = await readConfigDocument(path);
  if (document === undefined) return {};
  const { parsed } = document;
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
      case 'agent':
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new StellaError('CONFIG_INVALID', `${path}: "agent" must be a mapping (port, host, dataDir, token, queueMax)`);
        }
        config.agent = value as Record<string, unknown>;
        break;
      case 'edge':
        if (typeof value !== 'string' || !/^https?:\/\/[^\s]+$/.test(value)) throw new StellaError('CONFIG_INVALID', `${path}: "edge" must be the edge's http(s) URL`);
        config.edge = value.replace(/\/+$/, '');
        break;
      case 'remote':
        // Push/pull credentials: validated where they are used (agent/remote/credentials.ts), never stored in a repository.
        break;
      case 'registries':
        // Registry credentials per host: validated where they are used (agent/registry/credentials.ts).
        break;
      default:
        throw new StellaError('CONFIG_INVALID', `${path}: unknown setting "${key}" (known: repo, node, edge, remote, agent, registries)`);
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

/**
 * This node's name: flag, STELLA_NODE, the state repository's node (`repoNode`),
 * config, host name. Checked to be a safe path segment.
 * @example resolveNode(undefined, {}, process.env, 'edge-1') // 'edge-1' unless STELLA_NODE is set
 */
export function resolveNode(flag: string | undefined, config: AgentConfig, env: NodeJS.ProcessEnv = process.env, repoNode?: string): string {
  return checkNodeName(flag ?? env['STELLA_NODE'] ?? repoNode ?? config.node ?? hostname());
}

/**
 * `node` if it is a usable node name (it becomes a branch and folder name), else a USAGE error.
 * @example checkNodeName('edge-1') // 'edge-1'
 */
export function checkNodeName(node: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(node) || node.includes('..')) {
    throw new StellaError('USAGE', `node name '${node}' must be 1–63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return node;
}

/** Settings `stella config set` writes to the config file (remote credentials are edited by hand, out of shell history). */
export const FILE_SETTINGS = ['repo', 'node'] as const;
/** One of {@link FILE_SETTINGS}. */
export type FileSetting = (typeof FILE_SETTINGS)[number];

/**
 * Sets one setting in the config file, keeping its other settings and
 * comments; creates the file (mode 0600: it may hold credentials) if needed.
 * Returns the file written.
 * @example await saveConfigSetting('node', 'edge-1') // '~/.config/stella/config.yaml'
 */
export async function saveConfigSetting(key: FileSetting, value: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = configPath(env);
  await loadConfig(env); // refuses to rewrite a file it cannot read
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return '';
    throw error;
  });
  const { parseDocument } = (await import('yaml')).default;
  const doc = parseDocument(text);
  doc.set(key, key === 'repo' ? resolve(value) : checkNodeName(value));
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomically(path, doc.toString(), { mode: 0o600 });
  return path;
}
