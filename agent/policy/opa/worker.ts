/**
 * The worker thread one OPA policy runs in (started by worker-runner.ts).
 * It holds one instance; the runner terminates the whole thread when an
 * evaluation passes its deadline, which is the only way to stop wasm that
 * loops. What the module prints (`opa_println`) goes to stderr with a
 * prefix, never to stdout, where `stella scan --format json` writes.
 */
import { parentPort } from 'node:worker_threads';
import { isStellaError } from '../../../core/errors.js';
import { instantiateOpa, type OpaInstance } from '../../../core/policy/opa/instance.js';
import type { WorkerReply, WorkerRequest } from './messages.js';

const port = parentPort;
if (port === null) throw new Error('agent/policy/opa/worker.js runs only as a worker thread');
console.log = (...args: unknown[]): void => {
  process.stderr.write(`policy print: ${args.map(String).join(' ')}\n`);
};

let instance: OpaInstance | undefined;

function failure(error: unknown): WorkerReply & { $case: 'failed' } {
  if (isStellaError(error)) return { $case: 'failed', error: { code: error.code, message: error.message } };
  return { $case: 'failed', error: { code: 'POLICY_ERROR', message: error instanceof Error ? error.message : String(error) } };
}

port.on('message', (request: WorkerRequest) => {
  void handle(request).then((reply) => port.postMessage(reply));
});

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.$case) {
    case 'load':
      try {
        instance = await instantiateOpa(request.prepared);
        return { $case: 'loaded', entrypoints: instance.entrypoints };
      } catch (error) {
        return failure(error);
      }
    case 'evaluate':
      try {
        if (instance === undefined) throw new Error('no policy loaded');
        return { $case: 'result', id: request.id, value: instance.evaluate(new Uint8Array(request.input)) };
      } catch (error) {
        return { ...failure(error), id: request.id };
      }
    default:
      return failure(new Error(`unknown request ${JSON.stringify(request)}`));
  }
}
