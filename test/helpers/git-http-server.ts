/**
 * A real smart-HTTP Git server for tests: a Node http server on 127.0.0.1
 * (random port) that runs `git http-backend` as a CGI program per request,
 * serving the bare repositories under a temporary root. Pushes are accepted
 * (`http.receivepack=true`) and every pushed object is checked by git
 * (`receive.fsckObjects`), so a client that sends a bad pack fails loudly.
 *
 * Request and response bodies are streamed through the child process; only
 * async child processes are used, because a synchronous git call in this
 * process would block the very server it talks to.
 *
 * @example
 *   const server = await startGitHttpServer({ auth: { username: 'ci', password: 's3cret' } });
 *   const bare = await server.createBare('state.git');
 *   // git clone ${server.url}/state.git …
 *   await server.close();
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface GitHttpServerOptions {
  /** Require HTTP basic auth with exactly these credentials. */
  auth?: { username: string; password: string };
  /** Serve this folder instead of a new temporary one (not removed on close). */
  root?: string;
}

/** Bytes on the wire as the server saw them (bodies only, not HTTP headers). */
export interface WireStats {
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`; a repository `x.git` under the root is `${url}/x.git`. */
  url: string;
  root: string;
  stats: WireStats;
  resetStats(): void;
  /** `git init --bare` of `<root>/<name>` with `main` as its default branch; returns its path. */
  createBare(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and a random port. @example const server = await startGitHttpServer(); */
export async function startGitHttpServer(options: GitHttpServerOptions = {}): Promise<GitHttpServer> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'stella-git-http-')));
  const stats: WireStats = { requests: 0, bytesIn: 0, bytesOut: 0 };
  const expectedAuth =
    options.auth === undefined ? undefined : `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;

  const server: Server = createServer((req, res) => {
    stats.requests += 1;
    if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) {
      // Drain the body so the client sees the 401 instead of a reset connection.
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="stella-test"', 'content-type': 'text/plain' }).end('authentication required\n');
      return;
    }
    serveCgi(root, req, res, stats, options.auth?.username);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    root,
    stats,
    resetStats() {
      stats.requests = 0;
      stats.bytesIn = 0;
      stats.bytesOut = 0;
    },
    async createBare(name: string) {
      const dir = join(root, name);
      await execFileAsync('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir]);
      return dir;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (options.root === undefined) await rm(root, { recursive: true, force: true });
    },
  };
}

function serveCgi(root: string, req: IncomingMessage, res: ServerResponse, stats: WireStats, user: string | undefined): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
  };
  if (req.headers['content-type'] !== undefined) env['CONTENT_TYPE'] = req.headers['content-type'];
  // Without CONTENT_LENGTH http-backend reads the (chunked) body to EOF.
  if (req.headers['content-length'] !== undefined) env['CONTENT_LENGTH'] = req.headers['content-length'];
  if (req.headers['content-encoding'] !== undefined) env['HTTP_CONTENT_ENCODING'] = req.headers['content-encoding'];
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;
  if (user !== undefined) env['REMOTE_USER'] = user;

  const child = spawn('git', ['-c', 'http.receivepack=true', '-c', 'receive.fsckObjects=true', 'http-backend'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.on('error', (error) => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`cannot run git http-backend: ${error.message}\n`);
  });
  req.on('data', (chunk: Buffer) => {
    stats.bytesIn += chunk.length;
  });
  req.pipe(child.stdin);
  child.stdin.on('error', () => {
    // git may exit before reading the whole body (e.g. a refused request); the response says why.
  });

  // CGI output: header lines, a blank line, then the body, streamed as it comes.
  let head = Buffer.alloc(0);
  let headerDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headerDone) {
      stats.bytesOut += chunk.length;
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const split = findHeaderEnd(head);
    if (split === undefined) return;
    headerDone = true;
    const { status, headers } = parseCgiHeaders(head.subarray(0, split.headerEnd).toString('latin1'));
    res.writeHead(status, headers);
    const body = head.subarray(split.bodyStart);
    stats.bytesOut += body.length;
    if (body.length > 0) res.write(body);
  });
  child.on('close', (code) => {
    if (!headerDone) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`git http-backend exited with ${String(code)}: ${stderr}`);
      return;
    }
    res.end();
  });
}

function findHeaderEnd(buffer: Buffer): { headerEnd: number; bodyStart: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 4 };
  if (lf !== -1) return { headerEnd: lf, bodyStart: lf + 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    // CGI's `Status: 404 Not Found` is the HTTP status line, not a header.
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}

/**
 * Publishes a local repository as the bare `<root>/<name>` (native `git clone --bare`); returns its URL.
 *
 * @example const { url } = await publishBare(server, seed.repo.dir, 'state.git');
 */
export async function publishBare(server: GitHttpServer, source: string, name: string): Promise<{ url: string; dir: string }> {
  const dir = join(server.root, name);
  await execFileAsync('git', ['clone', '--quiet', '--bare', source, dir]);
  return { url: `${server.url}/${name}`, dir };
}

/**
 * Native `git clone` over HTTP, as an operator would set up an agent; the
 * clone's origin is the plain URL. Credentials go in a one-off header
 * (`-c http.extraHeader`), so nothing secret lands in the clone's config.
 *
 * @example await cloneOverHttp(url, join(root, 'agent-1'), { auth: { username: 'ci', password: 's3cret' } });
 */
export async function cloneOverHttp(url: string, dir: string, options: { branch?: string; auth?: { username: string; password: string } } = {}): Promise<string> {
  const auth =
    options.auth === undefined
      ? []
      : ['-c', `http.extraHeader=Authorization: Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`];
  await execFileAsync('git', [...auth, 'clone', '--quiet', ...(options.branch === undefined ? [] : ['--branch', options.branch]), url, dir], {
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
  });
  return dir;
}
