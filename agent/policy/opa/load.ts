/**
 * How the agent loads an OPA wasm policy pack: checked by core, run in a
 * worker thread with a deadline (worker-runner.ts). This is the `opa-wasm`
 * engine's entry point for the policy registry and `stella policy`.
 *
 * @example
 *   const engine = await loadOpaPolicy(await readFile(path), 'policies/team.tar.gz');
 *   const decision = await engine.evaluate(report, { now: new Date(), exceptions });
 *   await engine.close();
 */
import { openOpaPolicy, type OpaPolicyEngine } from '../../../core/policy/opa/engine.js';
import type { OpaLimits } from '../../../core/policy/opa/limits.js';
import { workerRunner } from './worker-runner.js';

/** Loads `bytes` (a `bundle.tar.gz`) named `source`; refusals are one-line StellaErrors naming `source`. */
export function loadOpaPolicy(bytes: Uint8Array, source: string, limits?: Partial<OpaLimits>): Promise<OpaPolicyEngine> {
  return openOpaPolicy(bytes, source, limits === undefined ? { runner: workerRunner } : { runner: workerRunner, limits });
}
