/**
 * The explicit list of feed connectors, and the registry built from it.
 * Adding a connector means adding it to `builtinConnectors`; nothing
 * registers itself at import time, so the list below is the whole truth.
 *
 * @example
 *   const connector = defaultConnectors.recognise(head) ?? defaultConnectors.fallback;
 */
import { StellaError } from '../errors.js';
import type { FeedConnector } from './connector.js';
import { debianTrackerConnector } from './debian/connector.js';
import { epssConnector } from './epss/connector.js';
import { kevConnector } from './kev/connector.js';
import { nvdConnector } from './nvd/connector.js';
import { osvConnector } from './osv/connector.js';

/**
 * Every connector Stella Mesh ships, in the order they are asked to
 * recognise a file.
 *
 * @example
 *   builtinConnectors.map((c) => c.name); // ['debian-tracker', 'kev', 'epss', 'nvd', 'osv']
 */
export const builtinConnectors: readonly FeedConnector[] = Object.freeze([debianTrackerConnector, kevConnector, epssConnector, nvdConnector, osvConnector]);

/**
 * A fixed set of connectors with unique names.
 *
 * @example
 *   const registry = createConnectorRegistry(builtinConnectors, 'osv');
 *   registry.byName('kev')?.kind; // 'table'
 */
export interface ConnectorRegistry {
  readonly connectors: readonly FeedConnector[];
  /**
   * The connector for a record-shaped file (a JSON object with an `id`) that
   * no connector recognised: most likely a broken record of the open format,
   * whose checks then say precisely what is wrong. Other unrecognised files
   * are refused by the caller.
   */
  readonly fallback: FeedConnector;
  /** The connector with this name, if registered. */
  byName(name: string): FeedConnector | undefined;
  /** The first connector, in registry order, that recognises a file starting with `head`. */
  recognise(head: Uint8Array): FeedConnector | undefined;
}

/**
 * Builds a registry; refuses two connectors with the same name, since names
 * key manifests, summaries and configuration, and a fallback that is not
 * one of them.
 *
 * @example
 *   createConnectorRegistry([osvConnector, osvConnector], 'osv'); // throws StellaError INTERNAL
 */
export function createConnectorRegistry(connectors: readonly FeedConnector[], fallback: string): ConnectorRegistry {
  const byName = new Map<string, FeedConnector>();
  for (const connector of connectors) {
    if (byName.has(connector.name)) throw new StellaError('INTERNAL', `feed connector registry: two connectors are named "${connector.name}"`);
    byName.set(connector.name, connector);
  }
  const fallbackConnector = byName.get(fallback);
  if (fallbackConnector === undefined) throw new StellaError('INTERNAL', `feed connector registry: the fallback "${fallback}" is not registered`);
  const list = Object.freeze([...connectors]);
  return {
    connectors: list,
    fallback: fallbackConnector,
    byName: (name) => byName.get(name),
    recognise: (head) => list.find((connector) => connector.recognise(head)),
  };
}

/**
 * The registry of `builtinConnectors`; unrecognised files are read as OSV.
 *
 * @example
 *   defaultConnectors.byName('osv')?.maxSourceBytes; // 16 MiB
 */
export const defaultConnectors: ConnectorRegistry = createConnectorRegistry(builtinConnectors, 'osv');
