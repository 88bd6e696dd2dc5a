/**
 * The policy engines Stella knows, and the one way to load a policy: by
 * its file name, `policies/*.yaml` (or `.yml`) to the built-in engine,
 * `bundle.tar.gz` to the OPA wasm engine when it is registered. The list
 * below is the whole truth; two engines of one kind are refused.
 *
 * @example
 *   const engine = await loadPolicy(bytes, 'policies/production.yaml');
 */
import { StellaError } from '../errors.js';
import { builtinPolicyFactory } from './builtin/engine.js';
import type { PolicyEngine } from './engine.js';
import type { PolicyEngineFactory } from './registry-types.js';

export type { PolicyEngineFactory } from './registry-types.js';

/** A set of engines, each kind at most once. */
export class PolicyEngineRegistry {
  readonly factories: readonly PolicyEngineFactory[];

  constructor(factories: readonly PolicyEngineFactory[]) {
    const kinds = new Set<string>();
    for (const factory of factories) {
      if (kinds.has(factory.kind)) throw new StellaError('INTERNAL', `policy engine '${factory.kind}' is registered twice`);
      kinds.add(factory.kind);
    }
    this.factories = factories;
  }

  /** The engine for a policy at `source`, or undefined when none takes that kind of file. */
  forSource(source: string): PolicyEngineFactory | undefined {
    return this.factories.find((factory) => factory.accepts(source));
  }

  /** Loads a policy with the engine its file name picks. */
  async load(bytes: Uint8Array, source: string): Promise<PolicyEngine> {
    const factory = this.forSource(source);
    if (factory === undefined) {
      throw new StellaError('POLICY_INVALID', `${source}: not a policy Stella can load (built-in policies end in .yaml or .yml${this.factories.some((f) => f.kind === 'opa-wasm') ? '; OPA wasm bundles are bundle.tar.gz' : ''})`);
    }
    return factory.load(bytes, source);
  }
}

/** Every engine, in the order they are asked. */
export const defaultPolicyEngines = new PolicyEngineRegistry([builtinPolicyFactory]);

/**
 * Loads a policy with the default engines.
 * @example await loadPolicy(bytes, 'policies/production.yaml');
 */
export function loadPolicy(bytes: Uint8Array, source: string, registry: PolicyEngineRegistry = defaultPolicyEngines): Promise<PolicyEngine> {
  return registry.load(bytes, source);
}
