/**
 * The Worker module for tests: the real app and Durable Object, with an
 * authentication middleware that takes the node from `x-test-node` (the
 * production module uses requireAgent(); token tests belong to the
 * authority). Bundled by esbuild and run in Miniflare.
 */
import type { MiddlewareHandler } from 'hono';
import { createApp } from './app.js';
import type { EdgeEnv } from './env.js';
import { ProblemError } from './problem.js';

export { NodeObject } from './node-object.js';

const testAuth: MiddlewareHandler<EdgeEnv> = async (c, next) => {
  const node = c.req.header('x-test-node');
  if (node === undefined) throw new ProblemError(401, 'invalid-token', 'Not authenticated', 'test worker: no x-test-node header');
  c.set('agent', { node, jkt: 'test' });
  await next();
};

export default createApp({ auth: testAuth });
