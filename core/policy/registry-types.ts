/**
 * The slot a policy engine plugs into: a factory that recognises its
 * policies by file name and loads their bytes into a `PolicyEngine`.
 * Kept apart from registry.ts so an engine's module can name the type
 * without importing the registry that lists it.
 *
 * @example
 *   const factory: PolicyEngineFactory = { kind: 'builtin', description, accepts: (s) => s.endsWith('.yaml'), load };
 */
import type { PolicyEngine } from './engine.js';

/** One kind of policy engine. */
export interface PolicyEngineFactory {
  /** `builtin`, `opa-wasm`: recorded as the report's `policy.engine`. */
  readonly kind: string;
  /** One line for `stella policy --help`. */
  readonly description: string;
  /** True when a policy at `source` (a path or file name) is this engine's: by file name only, never content. */
  accepts(source: string): boolean;
  /** Checks and loads a policy; throws POLICY_INVALID (or LIMIT_EXCEEDED) naming `source` and the problem. */
  load(bytes: Uint8Array, source: string): Promise<PolicyEngine>;
}
