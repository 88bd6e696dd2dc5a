/**
 * The session's idle timeout against a real HTTP server on loopback that
 * goes silent: before answering, and in the middle of a response body. A
 * transfer that keeps moving is never cut, however long it takes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSession } from './session.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/state.git`;
}

/** One GET through the session's transport, its body read to the end, as core/git reads every response. */
async function get(url: string, idleMs: number): Promise<Uint8Array> {
  const session = openSession({ name: 'origin', url }, undefined, undefined, idleMs);
  return session.guard('reading', async () => new Uint8Array(await (await session.transport(`${url}/info/refs`, { method: 'GET', headers: {} })).arrayBuffer()));
}

describe('idle timeout', () => {
  it('gives up on a server that never answers', async () => {
    const url = await serve(() => undefined);
    await expect(get(url, 300)).rejects.toMatchObject({ code: 'REPO_NOT_FOUND', data: { reason: 'timeout' }, message: /went silent for 0.3 s while reading/ });
  });

  it('gives up on a body that stops in the middle', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('0008NAK\n');
    });
    await expect(get(url, 300)).rejects.toMatchObject({ code: 'REPO_NOT_FOUND', data: { reason: 'timeout' } });
  });

  it('never cuts a transfer that keeps moving, even when it lasts longer than the timeout', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      const tick = setInterval(() => {
        res.write('x');
        if (++sent === 30) {
          clearInterval(tick);
          res.end();
        }
      }, 50);
    });
    // 30 chunks 50 ms apart take about 1.5 s, well past the 1 s of allowed silence.
    expect((await get(url, 1000)).length).toBe(30);
  });
});
