/**
 * The Worker module (`main` in wrangler.toml): the edge app with the real
 * agent authentication, and the Durable Object class its `NODE` binding
 * names. Routes are in `app.ts`.
 *
 * @example
 *   const response = await worker.fetch(new Request('https://edge/healthz'), env, ctx);
 */
import { createApp } from './app.js';
import { requireAgent } from './auth/require-agent.js';

export { NodeObject } from './node-object.js';

const app = createApp({ auth: requireAgent() });

export default app;
