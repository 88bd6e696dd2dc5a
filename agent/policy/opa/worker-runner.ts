/**
 * The agent's runner for OPA policies: each pack runs in its own worker
 * thread, one evaluation at a time, each with a deadline. Wasm cannot be
 * interrupted from its own thread, so at the deadline the thread is
 * terminated (V8 stops even a tight wasm loop) and the evaluation fails
 * with POLICY_ERROR; the next evaluation starts a fresh thread from the
 * already compiled module. The memory limit is the imported memory's
 * maximum (core/policy/opa/abi.ts); the thread's JS heap is bounded too.
 *
 * The thread is unref'd: an idle policy never keeps the process alive;
 * a waiting evaluation's deadline timer does.
 *
 * @example
 *   const engine = await openOpaPolicy(bytes, source, { runner: workerRunner });
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StellaError, type StellaErrorCode } from '../../../core/errors.js';
import { exactBuffer, type PreparedOpa } from '../../../core/policy/opa/instance.js';
import type { OpaLimits } from '../../../core/policy/opa/limits.js';
import type { OpaRunner, OpaRunnerFactory } from '../../../core/policy/opa/runner.js';
import { packageRoot } from '../../package-root.js';
import type { WorkerReply, WorkerRequest } from './messages.js';

/** Bounds the thread's JS heap (the module's answer is parsed there). */
const WORKER_HEAP_MB = 1024;

/** Starts a worker thread for the module and loads it there, within `limits.loadMs`. */
export const workerRunner: OpaRunnerFactory = async (prepared, limits) => {
  const runner = new WorkerRunner(prepared, limits);
  await runner.start('POLICY_INVALID');
  return runner;
};

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
}

class WorkerRunner implements OpaRunner {
  entrypoints: string[] = [];
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;

  constructor(
    private readonly prepared: PreparedOpa,
    private readonly limits: OpaLimits,
  ) {}

  /** Spawns the thread and loads the module; a failure here is `code` (POLICY_INVALID at load, POLICY_ERROR on a restart). */
  async start(code: StellaErrorCode): Promise<void> {
    const worker = new Worker(workerScript(), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.settle((p) => p.resolve(reply)));
    worker.on('error', (error) => this.fail(worker, `${this.prepared.where}: the policy's thread failed (${error.message})`));
    worker.on('exit', () => this.fail(worker, `${this.prepared.where}: the policy's thread stopped`));
    this.worker = worker;
    const ms = this.limits.loadMs;
    const reply = await this.request({ $case: 'load', prepared: this.prepared }, [], ms, () => `${this.prepared.where}: did not finish loading within ${ms} ms and was stopped`, code);
    if (reply.$case === 'failed') {
      this.kill();
      throw new StellaError(code, reply.error.message);
    }
    if (reply.$case === 'loaded') this.entrypoints = reply.entrypoints;
  }

  evaluate(input: Uint8Array): Promise<unknown> {
    const run = this.queue.then(() => this.evaluateNow(input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.kill();
    await worker?.terminate();
  }

  private async evaluateNow(input: Uint8Array): Promise<unknown> {
    if (this.worker === undefined) await this.start('POLICY_ERROR');
    const buffer = exactBuffer(input);
    const id = this.nextId++;
    const ms = this.limits.evaluationMs;
    const timeout = (): string => `${this.prepared.where}: evaluation did not finish within ${ms} ms; the policy was stopped`;
    const reply = await this.request({ $case: 'evaluate', id, input: buffer }, [buffer], ms, timeout, 'POLICY_ERROR');
    if (reply.$case === 'result' && reply.id === id) return reply.value;
    if (reply.$case === 'failed') throw new StellaError('POLICY_ERROR', reply.error.message);
    throw new StellaError('INTERNAL', `${this.prepared.where}: unexpected reply from the policy's thread`);
  }

  /** Posts one request and waits for its reply, terminating the thread at the deadline. */
  private request(message: WorkerRequest, transfer: ArrayBuffer[], ms: number, timeout: () => string, code: StellaErrorCode): Promise<WorkerReply> {
    const worker = this.worker;
    if (worker === undefined) return Promise.reject(new StellaError('INTERNAL', `${this.prepared.where}: no thread`));
    return new Promise<WorkerReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new StellaError(code, timeout()));
      }, ms);
      this.pending = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      worker.postMessage(message, transfer);
    });
  }

  private settle(action: (pending: Pending) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) action(pending);
  }

  private fail(worker: Worker, message: string): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.settle((p) => p.reject(new StellaError('POLICY_ERROR', message)));
  }

  private kill(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.pending = undefined;
    void worker?.terminate();
  }
}

/** The compiled worker beside this module; from the TypeScript sources (tests), the one in dist/. */
function workerScript(): URL {
  const sibling = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  return pathToFileURL(join(packageRoot(), 'dist', 'agent', 'policy', 'opa', 'worker.js'));
}
