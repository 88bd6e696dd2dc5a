/**
 * The `opa-wasm` slot of the policy registry: packs named `bundle.tar.gz`
 * or `<name>.tar.gz`, loaded with the runner the host supplies. The runner
 * is a parameter, not a default, because it decides the time limit: the
 * agent passes its worker-thread runner; core's in-process runner has no
 * time limit and is only for trusted modules (runner.ts).
 *
 * @example
 *   const registry = new PolicyEngineRegistry([builtinPolicyFactory, opaPolicyFactory(workerRunner)]);
 */
import type { PolicyEngineFactory } from '../registry-types.js';
import { openOpaPolicy } from './engine.js';
import type { OpaLimits } from './limits.js';
import type { OpaRunnerFactory } from './runner.js';

/** An `opa-wasm` engine factory running packs with `runner`, under `limits` (defaults otherwise). */
export function opaPolicyFactory(runner: OpaRunnerFactory, limits?: Partial<OpaLimits>): PolicyEngineFactory {
  return {
    kind: 'opa-wasm',
    description: 'OPA wasm bundle (opa build -t wasm -e stella/decision): bundle.tar.gz',
    accepts: (source) => /\.tar\.gz$/i.test(source),
    load: (bytes, source) => openOpaPolicy(bytes, source, limits === undefined ? { runner } : { runner, limits }),
  };
}
