/**
 * A real `stella agent` process for tests: started on 127.0.0.1 with
 * `--port 0`, its address read from the JSON-lines log it writes on stderr,
 * with helpers to call its API and to wait for its end.
 *
 * @example
 *   const agent = await startAgent(['--repo', repoDir, 'agent', '--port', '0'], { env });
 *   const res = await agent.request('/healthz');
 *   await agent.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from './paths.js';

export interface AgentProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything written to stderr so far. */
  log(): string;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Resolves with the exit code and signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits for the end. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `stella ...args`; resolves once it listens, rejects if it ends first. */
export function startAgent(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string; token?: string }): Promise<AgentProcess> {
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'stella.js'), ...args], { env: options.env, cwd: options.cwd ?? projectRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const port = /"event":"listening","host":"[^"]+","port":(\d+)/.exec(stderr)?.[1];
      if (port === undefined) return;
      const url = `http://127.0.0.1:${port}`;
      resolve({
        url,
        pid: child.pid as number,
        child,
        log: () => stderr,
        exited,
        request: (path, init = {}) => {
          const headers = new Headers(init.headers);
          if (options.token !== undefined && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${options.token}`);
          return fetch(`${url}${path}`, { ...init, headers });
        },
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then(({ code, signal }) => reject(new Error(`stella agent ended before listening (code ${code}, signal ${signal}):\n${stderr}`)));
  });
}

/** Polls `GET /v1/scans/:id` until the scan is done or failed (or `attempts` polls pass). */
export async function waitForScan(agent: Pick<AgentProcess, 'request'>, id: string, attempts = 600): Promise<Record<string, unknown>> {
  for (let i = 0; i < attempts; i++) {
    const body = (await (await agent.request(`/v1/scans/${id}`)).json()) as Record<string, unknown>;
    if (body['status'] === 'done' || body['status'] === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`scan ${id} did not finish`);
}

/** `POST /v1/scans`; returns the accepted id (throws on any other answer). */
export async function submitScan(agent: Pick<AgentProcess, 'request'>, body: Record<string, unknown>): Promise<string> {
  const res = await agent.request('/v1/scans', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { id?: string };
  if (res.status !== 202 || json.id === undefined) throw new Error(`POST /v1/scans answered ${res.status}: ${JSON.stringify(json)}`);
  return json.id;
}
