/**
 * The edge Worker running locally, as tests and `npm run dev:edge` use it:
 * edge/worker.ts bundled by esbuild, started in Miniflare with the bindings
 * wrangler.toml declares (KV, the NodeObject Durable Object, R2, vars) and
 * secrets for tests (a fresh token-signing JWK, random admin and dashboard
 * secrets).
 * State (KV, Durable Objects, R2) persists under a temporary folder, so
 * changing a secret (`setSecrets`, e.g. a signing-key rotation) keeps it.
 *
 * @example
 *   const edge = await startLocalEdge({ secrets: { GIT_REMOTE_URL: `${git.url}/state.git` } });
 *   const response = await fetch(`${edge.url}/healthz`);
 *   await edge.close();
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { exportJWK, generateKeyPair } from 'jose';
import { Miniflare } from 'miniflare';
import { parse } from 'smol-toml';
import { projectRoot } from '../../test/helpers/paths.js';

/** Secrets the Worker reads (wrangler.toml lists them; they are never in the file). */
export interface EdgeSecrets {
  GIT_REMOTE_URL: string;
  GIT_USERNAME: string;
  GIT_PASSWORD: string;
  TOKEN_SIGNING_KEY: string;
  ADMIN_SECRET: string;
  DASHBOARD_SECRET: string;
}

/** A running local edge. */
export interface LocalEdge {
  /** `http://127.0.0.1:<port>`, also the Worker's EDGE_ORIGIN. */
  url: string;
  secrets: EdgeSecrets;
  miniflare: Miniflare;
  /** Restarts the Worker with changed secrets; KV, Durable Object and R2 state is kept. */
  setSecrets(changes: Partial<EdgeSecrets>): Promise<void>;
  close(): Promise<void>;
}

interface WranglerToml {
  main: string;
  compatibility_date: string;
  compatibility_flags?: string[];
  kv_namespaces?: { binding: string }[];
  durable_objects?: { bindings?: { name: string; class_name: string }[] };
  r2_buckets?: { binding: string }[];
  vars?: Record<string, string>;
}

/**
 * Bundles the Worker once per process (esbuild, ~0.3 s) and reuses the script.
 * @example const script = await bundledWorker();
 */
/**
 * One entry file bundled into the single ES module workerd runs, resolved
 * as Workers resolve packages (`workerd` and `worker` export conditions).
 * @example const script = await bundleForWorkerd(join(projectRoot, 'edge', 'worker.ts'), ['node:*']);
 */
export async function bundleForWorkerd(entry: string, external: string[] = []): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    write: false,
    external,
    logLevel: 'silent',
  });
  return (result.outputFiles[0] as { text: string }).text;
}

let bundle: Promise<string> | undefined;
export function bundledWorker(): Promise<string> {
  bundle ??= (async () => {
    const config = await wranglerConfig();
    return bundleForWorkerd(join(projectRoot, config.main), ['node:*', 'cloudflare:*']);
  })();
  return bundle;
}

/**
 * A fresh private P-256 JWK for TOKEN_SIGNING_KEY.
 * @example const key = await newSigningKey();
 */
export async function newSigningKey(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return JSON.stringify(await exportJWK(privateKey));
}

/**
 * Starts the Worker on 127.0.0.1 (a free port unless `port` is given).
 * @example const edge = await startLocalEdge({ port: 8787 });
 */
export async function startLocalEdge(options: { port?: number; secrets?: Partial<EdgeSecrets>; persistRoot?: string } = {}): Promise<LocalEdge> {
  const config = await wranglerConfig();
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const ownRoot = options.persistRoot === undefined;
  const persistRoot = options.persistRoot ?? (await mkdtemp(join(tmpdir(), 'stella-edge-')));
  const secrets: EdgeSecrets = {
    GIT_REMOTE_URL: '',
    GIT_USERNAME: '',
    GIT_PASSWORD: '',
    TOKEN_SIGNING_KEY: await newSigningKey(),
    ADMIN_SECRET: `test-admin-${crypto.randomUUID()}`,
    DASHBOARD_SECRET: `test-dashboard-${crypto.randomUUID()}`,
    ...options.secrets,
  };
  const script = await bundledWorker();
  const workerOptions = (current: EdgeSecrets) => ({
    modules: true,
    script,
    scriptPath: join(projectRoot, 'edge', 'worker.js'),
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags ?? [],
    kvNamespaces: (config.kv_namespaces ?? []).map((k) => k.binding),
    r2Buckets: (config.r2_buckets ?? []).map((r) => r.binding),
    durableObjects: Object.fromEntries((config.durable_objects?.bindings ?? []).map((d) => [d.name, d.class_name])),
    bindings: { ...config.vars, EDGE_ORIGIN: url, ...current },
    host: '127.0.0.1',
    port,
    kvPersist: join(persistRoot, 'kv'),
    durableObjectsPersist: join(persistRoot, 'do'),
    r2Persist: join(persistRoot, 'r2'),
  });
  const miniflare = new Miniflare(workerOptions(secrets));
  await miniflare.ready;
  return {
    url,
    secrets,
    miniflare,
    async setSecrets(changes) {
      Object.assign(secrets, changes);
      await miniflare.setOptions(workerOptions(secrets));
    },
    async close() {
      await miniflare.dispose();
      if (ownRoot) await rm(persistRoot, { recursive: true, force: true });
    },
  };
}

async function wranglerConfig(): Promise<WranglerToml> {
  const toml: Partial<WranglerToml> = parse(await readFile(join(projectRoot, 'wrangler.toml'), 'utf8'));
  if (typeof toml.main !== 'string' || typeof toml.compatibility_date !== 'string') throw new Error('wrangler.toml: main and compatibility_date are required');
  return { ...toml, main: toml.main, compatibility_date: toml.compatibility_date };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
