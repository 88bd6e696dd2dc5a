/**
 * What the agent's policy worker thread and its runner say to each other.
 * Errors cross as `{ code, message }` (StellaError.toJSON) and are revived
 * on the other side.
 *
 * @example
 *   const request: WorkerRequest = { $case: 'evaluate', id: 1, input: bytes.buffer };
 */
import type { PreparedOpa } from '../../../core/policy/opa/instance.js';

/** Runner → worker: load the module once, then evaluate inputs (transferred JSON text). */
export type WorkerRequest =
  | { $case: 'load'; prepared: PreparedOpa }
  | { $case: 'evaluate'; id: number; input: ArrayBuffer };

/** Worker → runner: the module's entrypoints, a result set, or an error (with the request id when it answers one). */
export type WorkerReply =
  | { $case: 'loaded'; entrypoints: string[] }
  | { $case: 'result'; id: number; value: unknown }
  | { $case: 'failed'; id?: number; error: { code: string; message: string } };
