/**
 * Where a module runs. Evaluation is synchronous wasm: once called, nothing
 * in the same thread can stop it, so a module that loops would hang its
 * caller. The time limit is therefore the runner's: the agent runs each
 * pack in a worker thread and terminates it at the deadline
 * (agent/policy/opa/worker-runner.ts). The in-process runner here enforces
 * the memory limit (the imported memory's maximum) but no time limit: use
 * it only where the host bounds CPU time itself, or for modules already
 * trusted (the tests' well-behaved one, the benchmark). Cloudflare Workers
 * refuse to compile wasm received at run time, so packs are evaluated by
 * agents, not at the edge.
 *
 * @example
 *   const engine = await openOpaPolicy(bytes, source, { runner: inProcessRunner });
 */
import { instantiateOpa, type PreparedOpa } from './instance.js';
import type { OpaLimits } from './limits.js';

/** A loaded module behind a boundary of the runner's choosing. */
export interface OpaRunner {
  /** The entrypoints the module reports. */
  readonly entrypoints: string[];
  /** The raw result set for one input (JSON text); rejects with a POLICY_ERROR StellaError. */
  evaluate(input: Uint8Array): Promise<unknown>;
  /** Releases what the runner holds (a worker thread); later calls may start it again. */
  close(): Promise<void>;
}

/** Starts a runner for a checked module; rejects with POLICY_INVALID when the module cannot load. */
export type OpaRunnerFactory = (prepared: PreparedOpa, limits: OpaLimits) => Promise<OpaRunner>;

/** Runs the module in the caller's thread: memory-bounded, not time-bounded (see the module comment). */
export const inProcessRunner: OpaRunnerFactory = async (prepared) => {
  const instance = await instantiateOpa(prepared);
  return {
    entrypoints: instance.entrypoints,
    evaluate: async (input) => instance.evaluate(input),
    close: async () => undefined,
  };
};
