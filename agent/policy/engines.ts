/**
 * The agent's policy engines, built in one place: the built-in YAML engine
 * and OPA wasm packs run in a worker thread with a deadline (the agent
 * evaluates packs it did not write, so the time limit is not optional).
 * Every agent path that loads a policy — scans, the service, `stella
 * policy import` and `simulate` — takes it from here.
 *
 * @example
 *   const engine = await agentPolicyEngines.load(bytes, 'policies/team.tar.gz');
 *   try { await engine.evaluate(report, context); } finally { await engine.close?.(); }
 */
import { builtinPolicyFactory } from '../../core/policy/builtin/engine.js';
import { opaPolicyFactory } from '../../core/policy/opa/factory.js';
import { PolicyEngineRegistry } from '../../core/policy/registry.js';
import { workerRunner } from './opa/worker-runner.js';

/** Built-in and OPA wasm (worker thread) engines. */
export const agentPolicyEngines = new PolicyEngineRegistry([builtinPolicyFactory, opaPolicyFactory(workerRunner)]);
