/**
 * One instantiated OPA module, through `@open-policy-agent/opa-wasm`: the
 * memory it imports is created with the maximum checkOpaAbi chose, so the
 * module can never grow past it (`memory.grow` returns -1 there, and OPA's
 * allocator then aborts). Everything that can go wrong inside — a trap,
 * `opa_abort`, memory exhausted, an input too large for the memory — is
 * turned into one POLICY_ERROR line naming the module.
 *
 * This runs wherever the runner puts it: in the caller's thread
 * (runner.ts) or in a worker thread with a deadline (the agent's).
 * Everything in `PreparedOpa` can be posted to a worker.
 *
 * @example
 *   const instance = await instantiateOpa(prepared);
 *   const resultSet = instance.evaluate(new TextEncoder().encode(JSON.stringify(report)));
 */
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { StellaError } from '../../errors.js';
import { formatSize, WASM_PAGE } from './limits.js';

/** A checked module and what instantiating it needs (structured-cloneable). */
export interface PreparedOpa {
  module: WebAssembly.Module;
  /** `data.json` as JSON text. */
  data: Uint8Array;
  memory: { initial: number; maximum: number };
  entrypoint: string;
  /** Prefix of messages: the pack and the module (`policies/team.tar.gz: policy.wasm`). */
  where: string;
}

/** A live module. */
export interface OpaInstance {
  /** The entrypoints the module reports. */
  readonly entrypoints: string[];
  /** Evaluates the entrypoint over the input (JSON text) and returns OPA's result set, unchecked. */
  evaluate(input: Uint8Array): unknown;
}

/** Instantiates the module and loads its data; failures are POLICY_INVALID (it could not even start). */
export async function instantiateOpa(prepared: PreparedOpa): Promise<OpaInstance> {
  let policy: LoadedPolicy;
  try {
    // Loaded on first use: importing the policy engines costs nothing until an OPA pack runs.
    const { loadPolicy } = await import('@open-policy-agent/opa-wasm');
    policy = await loadPolicy(prepared.module, { ...prepared.memory });
    policy.setData(exactBuffer(prepared.data));
  } catch (cause) {
    throw new StellaError('POLICY_INVALID', `${prepared.where}: failed while loading: ${describeFailure(cause, prepared)}`, { cause });
  }
  const entrypoints = Object.keys(policy.entrypoints as Record<string, unknown>).sort();
  return {
    entrypoints,
    evaluate(input: Uint8Array): unknown {
      try {
        return policy.evaluate(exactBuffer(input), prepared.entrypoint) as unknown;
      } catch (cause) {
        throw new StellaError('POLICY_ERROR', `${prepared.where}: evaluation failed: ${describeFailure(cause, prepared, policy.mem)}`, { cause });
      }
    },
  };
}

/**
 * `bytes` as an ArrayBuffer of exactly their length (no copy when they
 * already fill one): opa-wasm reads an ArrayBuffer input whole, and a
 * worker can be handed one by transfer.
 *
 * @example
 *   const buffer = exactBuffer(bytes);
 *   worker.postMessage({ input: buffer }, [buffer]);
 */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer;
}

/** One clause for what went wrong; mentions the memory limit when the module had reached it. */
function describeFailure(cause: unknown, prepared: PreparedOpa, memory?: WebAssembly.Memory): string {
  const limit = formatSize(prepared.memory.maximum * WASM_PAGE);
  const full = memory !== undefined && memory.buffer.byteLength >= prepared.memory.maximum * WASM_PAGE;
  const suffix = full ? ` after using all ${limit} of memory it may have` : '';
  // opa-wasm throws what opa_abort was given as a bare string.
  if (typeof cause === 'string') return `the module aborted: ${oneLine(cause)}${suffix}`;
  if (cause instanceof WebAssembly.RuntimeError) return `the module trapped (${oneLine(cause.message)})${suffix}`;
  if (cause instanceof RangeError) return `${oneLine(cause.message)} (the memory limit is ${limit})`;
  if (cause instanceof WebAssembly.LinkError) return `it cannot be linked (${oneLine(cause.message)})`;
  if (cause instanceof Error) return `${oneLine(cause.message)}${suffix}`;
  return `${oneLine(String(cause))}${suffix}`;
}

function oneLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
