/**
 * `stella agent` settings: flag, then environment, then the `agent:`
 * mapping of the config file, then the default. A non-loopback address
 * without a bearer token is refused here, before anything listens.
 *
 *   port      --port, STELLA_PORT, agent.port          (default 7480)
 *   host      --host, agent.host                       (default 127.0.0.1)
 *   dataDir   --data-dir, STELLA_DATA_DIR, agent.dataDir (default $STELLA_HOME/agent)
 *   token     STELLA_AGENT_TOKEN, agent.token           (never a flag: it would show in `ps`)
 *   queueMax  --queue-max, agent.queueMax               (default 100)
 *
 * @example const settings = resolveServiceSettings({ port: '8080' }, config);
 */
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { StellaError } from '../../core/errors.js';
import { stellaHome, type AgentConfig } from '../config.js';

export const DEFAULT_PORT = 7480;
export const DEFAULT_QUEUE_MAX = 100;
/** Shorter tokens are refused: a guessable token on a network address is no protection. */
const MIN_TOKEN_LENGTH = 16;

export interface ServiceFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  queueMax?: string;
}

export interface ServiceSettings {
  host: string;
  port: number;
  dataDir: string;
  token?: string;
  queueMax: number;
}

/** Resolves and checks the settings (see the module comment). */
export function resolveServiceSettings(flags: ServiceFlags, config: AgentConfig, env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  const file = config.agent ?? {};
  const known = ['port', 'host', 'dataDir', 'token', 'queueMax'];
  const unknown = Object.keys(file).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new StellaError('CONFIG_INVALID', `${config.source ?? 'config'}: unknown agent setting "${unknown}" (known: ${known.join(', ')})`);
  const host = flags.host ?? stringSetting(file['host'], 'agent.host', config) ?? '127.0.0.1';
  const port = integer(flags.port ?? env['STELLA_PORT'] ?? file['port'], flags.port !== undefined ? '--port' : env['STELLA_PORT'] !== undefined ? 'STELLA_PORT' : 'agent.port', 0, 65535) ?? DEFAULT_PORT;
  const queueMax = integer(flags.queueMax ?? file['queueMax'], flags.queueMax !== undefined ? '--queue-max' : 'agent.queueMax', 1, 1_000_000) ?? DEFAULT_QUEUE_MAX;
  const dataDir = resolve(flags.dataDir ?? env['STELLA_DATA_DIR'] ?? stringSetting(file['dataDir'], 'agent.dataDir', config) ?? join(stellaHome(env), 'agent'));
  const token = nonEmpty(env['STELLA_AGENT_TOKEN']) ?? stringSetting(file['token'], 'agent.token', config);
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new StellaError('CONFIG_INVALID', `the agent token is ${token.length} characters; use at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -hex 32)`);
  }
  if (!isLoopback(host) && token === undefined) {
    throw new StellaError('USAGE', `--host ${host} is not a loopback address: set a bearer token (STELLA_AGENT_TOKEN or agent.token in the config file) to listen there`);
  }
  return { host, port, dataDir, queueMax, ...(token === undefined ? {} : { token }) };
}

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function stringSetting(value: unknown, name: string, config: AgentConfig): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new StellaError('CONFIG_INVALID', `${config.source ?? 'config'}: ${name} must be a non-empty string`);
  return value;
}

function integer(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new StellaError('USAGE', `${name}: '${String(value)}' is not a whole number from ${min} to ${max}`);
  return n;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
