/**
 * What the Worker is given (bindings from wrangler.toml, secrets) and what
 * middleware hands to handlers. One place, so every route and the Durable
 * Object agree on names.
 *
 * @example
 *   const app = new Hono<EdgeEnv>();
 *   app.post('/v1/reports', requireAgent(), (c) => c.json({ node: c.get('agent').node }));
 */
// The importable form of the Workers types: the global form clashes with the DOM types the root
// tsconfig (tests, editors) loads, and edge/'s own tsconfig needs no globals for these three.
import type { DurableObjectNamespace, KVNamespace, R2Bucket } from '@cloudflare/workers-types/index.ts';

/** Bindings and secrets (names as in wrangler.toml; secrets set with `wrangler secret put`). */
export interface Bindings {
  /** Enrollments (one-time tokens, registered keys), token-signing JWKS, remembered jti values. */
  STELLA_KV: KVNamespace;
  /** One Durable Object per node: serialises and coalesces its commits, holds its quota. */
  NODE: DurableObjectNamespace;
  /** Report and SBOM bodies above the inline size. */
  BLOBS: R2Bucket;
  /** The state repository's smart-HTTP URL (secret). */
  GIT_REMOTE_URL: string;
  /** Basic-auth credentials for the Git remote (secrets; may be empty for an open loopback remote in tests). */
  GIT_USERNAME?: string;
  GIT_PASSWORD?: string;
  /** Private JWK (ES256) that signs access tokens (secret); rotation keeps old public keys in KV. */
  TOKEN_SIGNING_KEY: string;
  /** Guards the admin endpoints (enrollment token creation). */
  ADMIN_SECRET: string;
  /** What the operator gives at the dashboard's login (secret); keys its session cookies. Separate from ADMIN_SECRET: reading findings must not also mint enrollment tokens. */
  DASHBOARD_SECRET?: string;
  /** This edge's public origin, the `iss` and `aud` of its tokens (e.g. https://edge.example). */
  EDGE_ORIGIN: string;
  /** Per-node ingest quotas (vars; defaults in edge/ingest/quota.ts). */
  QUOTA_REPORTS_PER_MINUTE?: string;
  QUOTA_BYTES_PER_DAY?: string;
}

/** The agent a DPoP-bound access token identifies, set by `requireAgent()`. */
export interface AgentIdentity {
  node: string;
  /** JWK thumbprint (RFC 7638) of the DPoP key the token is bound to. */
  jkt: string;
}

/** Hono's environment type for every edge route. */
export interface EdgeEnv {
  Bindings: Bindings;
  Variables: { agent: AgentIdentity };
}
