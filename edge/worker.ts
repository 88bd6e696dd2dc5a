/**
 * The Worker module (`main` in wrangler.toml): the edge app (routes in
 * `app.ts`) with the real agent authentication and the authority's routes
 * (enrollment, DPoP-bound access tokens, JWKS), and the Durable Object class
 * its `NODE` binding names.
 *
 * @example
 *   const response = await worker.fetch(new Request('https://edge/healthz'), env, ctx);
 */
import { createApp } from './app.js';
import { gitEnrollmentProposer } from './auth/git-enrollment.js';
import { requireAgent } from './auth/require-agent.js';
import { authorityRoutes } from './auth/routes.js';

export { NodeObject } from './node-object.js';

const app = createApp({ auth: requireAgent(), mounts: [authorityRoutes({ propose: gitEnrollmentProposer })] });

export default app;
