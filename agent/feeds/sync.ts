/**
 * `stella feed sync`: fetches osv.dev's per-ecosystem bulk exports
 * (`<base>/<Ecosystem>/all.zip`) and imports them in one commit.
 *
 * - Only when changed: the last ETag / Last-Modified of each zip is kept in
 *   `.git/stella/sync.json` and sent back (If-None-Match / If-Modified-Since);
 *   a 304 costs one request.
 * - Resumable: a download goes to `<Ecosystem>/all.zip.part`; an interrupted
 *   one continues with `Range` + `If-Range`, or starts over if the file changed.
 * - Checked: the length must match Content-Length, the MD5 must match the
 *   storage's `x-goog-hash` when the server sends one, and the zip must open.
 * - Atomic: the import of everything fetched is one commit; on any failure
 *   nothing is committed and the sync state is not advanced.
 *
 * @example
 *   await syncOsv(repo, { key, baseUrl, ecosystems: ['npm', 'PyPI'] });
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StellaError } from '../../core/errors.js';
import type { SigningKey } from '../../core/sign/keys.js';
import type { StateRepo } from '../repo/state-repo.js';
import { importOsv, type ImportSummary } from './import-osv.js';

/** osv.dev's public bucket of bulk exports. */
export const DEFAULT_OSV_BASE_URL = 'https://osv-vulnerabilities.storage.googleapis.com';

export interface SyncOptions {
  key: SigningKey;
  baseUrl?: string;
  ecosystems: string[];
  fetch?: typeof fetch;
  onProgress?: (message: string) => void;
}

export interface SyncResult {
  /** Ecosystems whose zip changed and was imported. */
  fetched: string[];
  /** Ecosystems the server said were unchanged. */
  unchanged: string[];
  import: ImportSummary | undefined;
}

interface SyncState {
  [ecosystem: string]: { etag?: string; lastModified?: string; sha256: string };
}

export async function syncOsv(repo: StateRepo, options: SyncOptions): Promise<SyncResult> {
  const fetchFn = options.fetch ?? fetch;
  const base = (options.baseUrl ?? DEFAULT_OSV_BASE_URL).replace(/\/+$/, '');
  const dir = join(repo.cacheDir, 'downloads');
  const statePath = join(repo.cacheDir, 'sync.json');
  const state = await readState(statePath);
  const fetched: { ecosystem: string; path: string; etag?: string; lastModified?: string; sha256: string }[] = [];
  const unchanged: string[] = [];

  for (const ecosystem of options.ecosystems) {
    if (!/^[A-Za-z0-9][A-Za-z0-9.:_ -]*$/.test(ecosystem) || ecosystem.includes('..')) {
      throw new StellaError('USAGE', `'${ecosystem}' is not an OSV ecosystem name`);
    }
    const url = `${base}/${encodeURIComponent(ecosystem)}/all.zip`;
    options.onProgress?.(`checking ${url}`);
    const result = await download(fetchFn, url, join(dir, ecosystem), state[ecosystem]);
    if (result === 'not-modified') unchanged.push(ecosystem);
    else fetched.push({ ecosystem, ...result });
  }

  // Skip zips whose bytes are what we imported last time (a server without validators).
  const changed = fetched.filter((f) => state[f.ecosystem]?.sha256 !== f.sha256);
  for (const f of fetched) if (!changed.includes(f)) unchanged.push(f.ecosystem);
  let summary: ImportSummary | undefined;
  if (changed.length > 0) {
    summary = await importOsv(
      repo,
      changed.map((f) => f.path),
      { key: options.key, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) },
    );
  }
  // Only after a successful import does the sync state move on.
  for (const f of fetched) {
    state[f.ecosystem] = { sha256: f.sha256, ...(f.etag === undefined ? {} : { etag: f.etag }), ...(f.lastModified === undefined ? {} : { lastModified: f.lastModified }) };
  }
  await writeFile(`${statePath}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${statePath}.tmp`, statePath);
  return { fetched: changed.map((f) => f.ecosystem), unchanged: unchanged.sort(), import: summary };
}

async function readState(path: string): Promise<SyncState> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as SyncState;
  } catch {
    return {};
  }
}

type Downloaded = { path: string; etag?: string; lastModified?: string; sha256: string };

/** Downloads one zip into `<folder>/all.zip`, resuming a partial `.part` when the server allows. */
async function download(fetchFn: typeof fetch, url: string, folder: string, previous: SyncState[string] | undefined): Promise<Downloaded | 'not-modified'> {
  await mkdir(folder, { recursive: true });
  const final = join(folder, 'all.zip');
  const part = `${final}.part`;
  const partMeta = `${part}.json`;
  const partial = await stat(part).then((s) => s.size, () => 0);
  const partValidator = partial > 0 ? await readFile(partMeta, 'utf8').then((t) => JSON.parse(t) as { etag?: string; lastModified?: string }, () => undefined) : undefined;

  const headers: Record<string, string> = {};
  if (previous?.etag) headers['if-none-match'] = previous.etag;
  else if (previous?.lastModified) headers['if-modified-since'] = previous.lastModified;
  const validator = partValidator?.etag ?? partValidator?.lastModified;
  if (partial > 0 && validator !== undefined) {
    headers['range'] = `bytes=${partial}-`;
    headers['if-range'] = validator;
  }

  let response: Response;
  try {
    response = await fetchFn(url, { headers });
  } catch (error) {
    throw new StellaError('NOT_FOUND', `${url}: request failed (${(error as Error).message}); nothing imported`, { cause: error });
  }
  if (response.status === 304) return 'not-modified';
  if (response.status !== 200 && response.status !== 206) {
    throw new StellaError('NOT_FOUND', `${url}: server answered ${response.status} ${response.statusText}; nothing imported`);
  }
  const etag = response.headers.get('etag') ?? undefined;
  const lastModified = response.headers.get('last-modified') ?? undefined;
  const resuming = response.status === 206;
  if (resuming) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (range === null || Number(range[1]) !== partial) {
      throw new StellaError('NOT_FOUND', `${url}: server resumed at the wrong offset (${response.headers.get('content-range') ?? 'no Content-Range'}); delete ${part} and retry`);
    }
  } else {
    await rm(part, { force: true });
  }
  await writeFile(partMeta, JSON.stringify({ etag, lastModified }));
  const expectedTotal = totalLength(response, resuming ? partial : 0);
  if (response.body === null) throw new StellaError('NOT_FOUND', `${url}: empty response body`);
  // Each chunk is written before the next is read, so an interruption keeps
  // every byte received and the next run resumes from there.
  const file = await open(part, resuming ? 'a' : 'w');
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) await file.write(chunk);
  } catch (error) {
    throw new StellaError('NOT_FOUND', `${url}: download interrupted (${(error as Error).message}); run sync again to resume`, { cause: error });
  } finally {
    await file.close();
  }
  const size = (await stat(part)).size;
  if (expectedTotal !== undefined && size !== expectedTotal) {
    throw new StellaError('ZIP_INVALID', `${url}: downloaded ${size} of ${expectedTotal} bytes (truncated); run sync again to resume`);
  }
  const { sha256, md5 } = await digests(part);
  const googHash = response.headers.get('x-goog-hash');
  const expectedMd5 = googHash === null ? undefined : /md5=([A-Za-z0-9+/=]+)/.exec(googHash)?.[1];
  if (expectedMd5 !== undefined && !resuming && expectedMd5 !== md5) {
    await rm(part, { force: true });
    throw new StellaError('DIGEST_MISMATCH', `${url}: MD5 ${md5} differs from the server's ${expectedMd5}; download discarded`);
  }
  await rename(part, final);
  await rm(partMeta, { force: true });
  return { path: final, sha256, ...(etag === undefined ? {} : { etag }), ...(lastModified === undefined ? {} : { lastModified }) };
}

function totalLength(response: Response, offset: number): number | undefined {
  const range = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  if (range !== null) return Number(range[1]);
  const length = response.headers.get('content-length');
  return length === null ? undefined : offset + Number(length);
}

async function digests(path: string): Promise<{ sha256: string; md5: string }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    sha.update(chunk as Buffer);
    md5.update(chunk as Buffer);
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('base64') };
}
