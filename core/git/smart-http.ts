/**
 * The client side of Git's smart-HTTP protocol (version 1): ref discovery
 * (`GET info/refs?service=…`) and one POST to `git-upload-pack` or
 * `git-receive-pack`. The transport is any function shaped like the Web
 * `fetch` — the global `fetch` in Node or a Worker, or a wrapper that adds
 * credentials and counts bytes — so this runs wherever `fetch` does.
 *
 * An HTTP status other than 200 becomes a StellaError carrying
 * `data.httpStatus`, which callers translate into advice (credentials,
 * URL, retry).
 *
 * @example
 *   const { refs, capabilities } = await discoverRefs(fetch, 'http://127.0.0.1:8080/state.git', 'receive-pack');
 *   const reply = await postService(fetch, url, 'receive-pack', requestBytes);
 */
import { StellaError } from '../errors.js';
import { bufferSource } from '../sign/encoding.js';
import { MAX_PACK_BYTES } from './pack-limits.js';
import { concat, parsePktLines } from './pkt-line.js';

/** A response larger than a pack may be (plus room for progress and negotiation lines) is not read on. */
const MAX_RESPONSE_BYTES = MAX_PACK_BYTES + (16 << 20);

/** Where a push or fetch goes: the transport, the repository's URL, and how we name ourselves (`agent=` capability). */
export interface Endpoint {
  transport: Transport;
  url: string;
  /** e.g. `stella-mesh/1.4.0`; sent only to servers that advertise `agent`. */
  agent?: string;
}

/** What a request carries: bodies are whole byte arrays, so a transport may resend them (after a 401). */
export interface TransportRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Aborts the request, or the reading of its response body. */
  signal?: AbortSignal;
}

/** A `fetch`-shaped function. @example const transport: Transport = (url, init) => fetch(url, toRequestInit(init)); */
export type Transport = (url: string, request: TransportRequest) => Promise<Response>;

/** The two services a client talks to. */
export type GitService = 'upload-pack' | 'receive-pack';

/** A remote's refs and capabilities, as advertised to a client of one service. */
export interface Advertisement {
  /** `refs/…` → oid (peeled tags and HEAD left out). */
  refs: Map<string, string>;
  capabilities: Set<string>;
}

/**
 * The global `fetch` as a Transport: the Web-standard default, the same in Node and in a Worker.
 *
 * @example const { refs } = await discoverRefs(webTransport, url, 'upload-pack');
 */
export const webTransport: Transport = (url, request) =>
  fetch(url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: bufferSource(request.body) }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });

/**
 * Lists the remote's refs for `service` (protocol v1: one response holds every ref).
 *
 * @example const { refs } = await discoverRefs(fetch, url, 'upload-pack'); refs.get('refs/heads/main');
 */
export async function discoverRefs(transport: Transport, url: string, service: GitService): Promise<Advertisement> {
  const response = await transport(`${url}/info/refs?service=git-${service}`, { method: 'GET', headers: { accept: `application/x-git-${service}-advertisement` } });
  const bytes = await bodyOf(response, url);
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType !== `application/x-git-${service}-advertisement`) {
    throw new StellaError('REPO_INVALID', `remote ${url} is not a smart-HTTP Git server (answered ${contentType || 'no content type'} for git-${service})`, {
      data: { remote: url, reason: 'not-smart-http' },
    });
  }
  const lines = parsePktLines(bytes, `${url} ref advertisement`);
  // "# service=git-…" and a flush come first, then the ref lines.
  const start = lines[0]?.startsWith('# service=') === true ? lines.indexOf(null) + 1 : 0;
  const refs = new Map<string, string>();
  let capabilities = new Set<string>();
  for (const [i, line] of lines.slice(start).entries()) {
    if (line === null) break;
    const [head = '', caps] = line.replace(/\n$/, '').split('\0');
    if (i === 0 && caps !== undefined) capabilities = new Set(caps.split(' ').filter((c) => c !== ''));
    const [oid = '', name = ''] = head.split(' ');
    if (name.startsWith('refs/') && !name.endsWith('^{}') && /^[0-9a-f]{40}$/.test(oid)) refs.set(name, oid);
  }
  return { refs, capabilities };
}

/** The POST of one `git-<service>` request, as the smart HTTP protocol asks for it. */
function sendService(transport: Transport, url: string, service: GitService, body: Uint8Array): Promise<Response> {
  return transport(`${url}/git-${service}`, {
    method: 'POST',
    headers: {
      'content-type': `application/x-git-${service}-request`,
      accept: `application/x-git-${service}-result`,
    },
    body,
  });
}

/**
 * One request to `git-<service>`; the whole response body.
 *
 * @example const result = await postService(fetch, url, 'upload-pack', wantsAndHaves);
 */
export async function postService(transport: Transport, url: string, service: GitService, body: Uint8Array): Promise<Uint8Array> {
  const response = await sendService(transport, url, service, body);
  return bodyOf(response, url);
}

/**
 * One request to `git-<service>`; the response body as it arrives, chunk
 * by chunk, cut off past MAX_RESPONSE_BYTES (for a fetch's pack, which is
 * spooled, not held). A status other than 200 throws, as `postService` does.
 *
 * @example for await (const chunk of await postServiceStream(fetch, url, 'upload-pack', wants)) spool(chunk);
 */
export async function postServiceStream(transport: Transport, url: string, service: GitService, body: Uint8Array): Promise<AsyncIterable<Uint8Array>> {
  const response = await sendService(transport, url, service, body);
  if (response.status !== 200) await bodyOf(response, url);
  return chunksOf(response, url);
}

async function* chunksOf(response: Response, url: string): AsyncGenerator<Uint8Array> {
  if (response.body === null) return;
  const reader = response.body.getReader();
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      length += value.length;
      if (length > MAX_RESPONSE_BYTES) throw tooLarge(url);
      yield value;
    }
  } finally {
    // Stops the download when the reader gives up early (an error, a refused pack).
    await reader.cancel().catch(() => undefined);
  }
}

function tooLarge(url: string): StellaError {
  return new StellaError('LIMIT_EXCEEDED', `remote ${url} sent more than ${MAX_RESPONSE_BYTES >> 20} MiB in one response; nothing was changed`, { data: { remote: url } });
}

async function bodyOf(response: Response, url: string): Promise<Uint8Array> {
  const bytes = await readBounded(response, url);
  if (response.status !== 200) {
    throw new StellaError('REPO_INVALID', `remote ${url} answered HTTP ${response.status}`, { data: { remote: url, httpStatus: response.status } });
  }
  return bytes;
}

/** The body, read chunk by chunk so that a server sending without end is cut off at MAX_RESPONSE_BYTES. */
async function readBounded(response: Response, url: string): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw tooLarge(url);
    }
    chunks.push(value);
  }
  return concat(chunks);
}
