/**
 * The reference OCI registry (Debian's `docker-registry`, distribution 2.8)
 * on a random loopback port, with its config written to a temp folder, and
 * images pushed into it by `skopeo copy`. Also a counting, optionally
 * tampering, loopback proxy in front of it.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  root: string;
  stop(): Promise<void>;
}

/** Token auth settings of the registry (`auth: token`). */
export interface TokenAuthConfig {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
}

/** A free loopback port (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `docker-registry serve` on a random port over `storage` (shared storage lets two registries serve the same images). */
export async function startRegistry(dir: string, storage: string, auth?: TokenAuthConfig): Promise<TestRegistry> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const lines = ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`, 'http:', `  addr: 127.0.0.1:${port}`];
  if (auth !== undefined) {
    lines.push('auth:', '  token:', `    realm: ${auth.realm}`, `    service: ${auth.service}`, `    issuer: ${auth.issuer}`, `    rootcertbundle: ${auth.rootCertBundle}`);
  }
  const config = join(dir, `registry-${port}.yml`);
  await writeFile(config, `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const host = `127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`http://${host}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
    if (ready) break;
    if (attempt > 100 || child.exitCode !== null) {
      child.kill();
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    host,
    root: storage,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `skopeo copy` of an OCI archive into the registry (`--all`: every image of an index). */
export async function pushArchive(archive: string, host: string, repoTag: string): Promise<void> {
  await run('skopeo', ['copy', '--quiet', '--all', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${host}/${repoTag}`]);
}

/** A request the proxy saw. */
export interface ProxiedRequest {
  method: string;
  path: string;
}

/** A loopback proxy in front of `upstream`: it records every request, and `rewrite` may answer one itself. */
export interface TestProxy {
  host: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/** `rewrite` returns true when it answered the request itself. */
export type ProxyRewrite = (request: IncomingMessage, response: ServerResponse, upstreamBody: () => Promise<{ status: number; headers: Headers; body: Buffer }>) => Promise<boolean>;

/** Starts the proxy (see TestProxy). */
export async function startProxy(upstream: string, rewrite?: ProxyRewrite): Promise<TestProxy> {
  const requests: ProxiedRequest[] = [];
  const fetchUpstream = async (request: IncomingMessage): Promise<Response> => {
    const headers: Record<string, string> = {};
    for (const name of ['accept', 'authorization']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return fetch(`http://${upstream}${request.url ?? '/'}`, { method: request.method ?? 'GET', headers, redirect: 'manual' });
  };
  const server: Server = createServer((request, response) => {
    requests.push({ method: request.method ?? 'GET', path: request.url ?? '/' });
    void (async () => {
      const buffered = async (): Promise<{ status: number; headers: Headers; body: Buffer }> => {
        const answer = await fetchUpstream(request);
        return { status: answer.status, headers: answer.headers, body: Buffer.from(await answer.arrayBuffer()) };
      };
      if (rewrite !== undefined && (await rewrite(request, response, buffered))) return;
      const answer = await fetchUpstream(request);
      const headers: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (name !== 'content-encoding' && name !== 'transfer-encoding') headers[name] = value;
      });
      response.writeHead(answer.status, headers);
      if (answer.body === null) {
        response.end();
        return;
      }
      for await (const chunk of answer.body) response.write(chunk);
      response.end();
    })().catch((error: unknown) => {
      response.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
