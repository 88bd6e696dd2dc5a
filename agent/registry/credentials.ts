/**
 * Credentials for registries, offered only when a registry asks (a 401
 * challenge): as HTTP basic auth, or to its token service when it answers
 * with a Bearer challenge. Sources, first match wins:
 *
 *   STELLA_REGISTRY_USERNAME + STELLA_REGISTRY_PASSWORD   for every registry
 *   the config file's `registries:` mapping               per host (`host[:port]`):
 *       registries:
 *         registry.example:5000: { username: ci, password: s3cret }
 *
 * @example
 *   const credentials = await registryCredentials('127.0.0.1:5000');
 */
import { StellaError } from '../../core/errors.js';
import { configSection } from '../config.js';

/** A user name and password (or token) for one registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** The credentials configured for `host`, or undefined. */
export async function registryCredentials(host: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryCredentials | undefined> {
  const username = env['STELLA_REGISTRY_USERNAME'];
  const password = env['STELLA_REGISTRY_PASSWORD'];
  if (username !== undefined && username !== '' && password !== undefined && password !== '') return { username, password };
  const config = await configSection('registries', env);
  if (config === undefined) return undefined;
  const { path, value: section } = config;
  const entry = typeof section === 'object' && !Array.isArray(section) ? (section as Record<string, unknown>)[host] : undefined;
  if (entry === undefined) return undefined;
  const values = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
  if (typeof values['username'] !== 'string' || typeof values['password'] !== 'string') {
    throw new StellaError('CONFIG_INVALID', `${path}: "registries.${host}" needs username and password strings`);
  }
  return { username: values['username'], password: values['password'] };
}
