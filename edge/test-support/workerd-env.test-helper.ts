/**
 * Types for tests that run inside workerd (`*.workerd.test.ts`): the `env`
 * of `cloudflare:workers` / `cloudflare:test` is the Worker's own bindings
 * (wrangler.toml's, plus the test secrets vitest.config.ts sets).
 *
 * @example
 *   import { env } from 'cloudflare:workers';
 *   await env.STELLA_KV.get('jwks:published');
 */
import type { Bindings } from '../env.js';

declare global {
  namespace Cloudflare {
    // An interface, not a type alias: Workers' types merge declarations of Cloudflare.Env.
    interface Env extends Bindings {}
  }
}
