#!/usr/bin/env node
/**
 * `npm run dev:edge -- --port N`: the edge Worker on 127.0.0.1:N, in
 * Miniflare, exactly as the tests run it (edge/test-support/miniflare.test-helper.ts:
 * esbuild bundle, wrangler.toml's bindings, state in a temporary folder).
 * Secrets come from the environment (ADMIN_SECRET, DASHBOARD_SECRET,
 * TOKEN_SIGNING_KEY, GIT_REMOTE_URL, GIT_USERNAME, GIT_PASSWORD); a missing
 * admin secret, dashboard secret or signing key is generated and the two
 * secrets printed, so `stella edge token create` and the dashboard's login
 * can be tried at once.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { port: { type: 'string', default: '8787' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`--port ${values.port}: a TCP port number`);
  process.exit(2);
}

// The helper is TypeScript: bundle it for Node (packages stay external) under dist/, where its project-root lookup still holds.
const outfile = join(root, 'dist', 'dev', 'local-edge.mjs');
await build({ entryPoints: [join(root, 'edge', 'test-support', 'miniflare.test-helper.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'warning' });
const { startLocalEdge } = await import(pathToFileURL(outfile).href);

const secrets = Object.fromEntries(['ADMIN_SECRET', 'DASHBOARD_SECRET', 'TOKEN_SIGNING_KEY', 'GIT_REMOTE_URL', 'GIT_USERNAME', 'GIT_PASSWORD'].filter((name) => process.env[name]).map((name) => [name, process.env[name]]));
const edge = await startLocalEdge({ port, secrets });
console.log(`stella edge listening on ${edge.url}`);
if (process.env.ADMIN_SECRET === undefined) console.log(`admin secret (generated; set ADMIN_SECRET to choose one): ${edge.secrets.ADMIN_SECRET}`);
if (process.env.DASHBOARD_SECRET === undefined) console.log(`dashboard secret (generated; set DASHBOARD_SECRET to choose one): ${edge.secrets.DASHBOARD_SECRET}`);
const stop = async () => {
  await edge.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
