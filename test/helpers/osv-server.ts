/**
 * A local HTTP server shaped like osv.dev's bucket: serves `<root>/<Ecosystem>/all.zip`
 * with ETag and Last-Modified, answers conditional requests with 304 and
 * Range requests with 206 (honouring If-Range), and can be told to cut the
 * next response short to test resumption. Loopback only.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export interface OsvServer {
  url: string;
  requests: { path: string; status: number; range?: string }[];
  /** The next response of this path sends only this many bytes, then drops the connection. */
  truncateNext(path: string, bytes: number): void;
  /** Serve a different file under a path (an updated export). */
  override(path: string, file: string): void;
  close(): Promise<void>;
}

export async function startOsvServer(root: string): Promise<OsvServer> {
  const truncations = new Map<string, number>();
  const overrides = new Map<string, string>();
  const requests: OsvServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = overrides.get(path) ?? join(root, normalize(path).replace(/^(\.\.[/\\])+/, ''));
      const info = await stat(file).catch(() => undefined);
      if (info === undefined || !info.isFile()) {
        requests.push({ path, status: 404 });
        res.writeHead(404).end('not found');
        return;
      }
      const etag = `"${createHash('md5').update(await readFile(file)).digest('hex')}"`;
      const lastModified = info.mtime.toUTCString();
      if (req.headers['if-none-match'] === etag) {
        requests.push({ path, status: 304 });
        res.writeHead(304, { etag }).end();
        return;
      }
      let start = 0;
      let status = 200;
      const range = /^bytes=(\d+)-$/.exec(req.headers['range'] ?? '');
      const ifRange = req.headers['if-range'];
      if (range !== null && (ifRange === undefined || ifRange === etag || ifRange === lastModified)) {
        start = Number(range[1]);
        status = 206;
      }
      const headers: Record<string, string> = { etag, 'last-modified': lastModified, 'content-length': String(info.size - start), 'accept-ranges': 'bytes' };
      if (status === 206) headers['content-range'] = `bytes ${start}-${info.size - 1}/${info.size}`;
      requests.push({ path, status, ...(range === null ? {} : { range: req.headers['range'] }) });
      res.writeHead(status, headers);
      const cut = truncations.get(path);
      if (cut !== undefined) {
        truncations.delete(path);
        const stream = createReadStream(file, { start, end: start + cut - 1 });
        stream.on('data', (chunk) => res.write(chunk));
        stream.on('end', () => res.socket?.destroy());
        return;
      }
      createReadStream(file, { start }).pipe(res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    truncateNext: (path, bytes) => truncations.set(path, bytes),
    override: (path, file) => overrides.set(path, file),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
