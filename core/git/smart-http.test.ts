/**
 * core/git's smart-HTTP client with the Web `fetch` (globalThis.fetch) as
 * its transport — the code a Worker runs — against a real `git
 * http-backend` on loopback, with native git as the checker: a push through
 * receive-pack, then a fetch through upload-pack into an empty repository.
 */
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packLimits } from '../../test/helpers/pack-limits.js';
import { startGitHttpServer, type GitHttpServer } from '../../test/helpers/git-http-server.js';
import { fsckStrict, git } from '../../test/helpers/repo.js';
import { parseBundle } from './bundle-format.js';
import { createBundle } from './bundle.js';
import { GitStore } from './git-store.js';
import { verifyPack } from './pack-file.js';
import { storePack } from './pack-store.js';
import { concat, FLUSH, parsePktLines, pktLine } from './pkt-line.js';
import { discoverRefs, postService, type Transport } from './smart-http.js';
import { initRepository } from './work-index.js';

const ZERO = '0'.repeat(40);
const transport: Transport = (url, request) => globalThis.fetch(url, { method: request.method, headers: request.headers, ...(request.body === undefined ? {} : { body: new Uint8Array(request.body) }) });

let server: GitHttpServer;
let work: string;

beforeAll(async () => {
  server = await startGitHttpServer();
  work = await mkdtemp(join(tmpdir(), 'stella-smart-http-'));
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

async function newStore(name: string): Promise<GitStore> {
  const dir = join(work, name);
  await initRepository({ fs, dir }, 'main');
  return new GitStore({ fs, dir });
}

describe('smart-HTTP client over the Web fetch', () => {
  it('pushes a branch through receive-pack and fetches it back through upload-pack', async () => {
    const bare = await server.createBare('web.git');
    const url = `${server.url}/web.git`;
    const source = await newStore('source');
    const { oid: tip } = await source.commit({
      branch: 'main',
      changes: new Map([['findings/n1/app/report.json', new TextEncoder().encode('{"findings":[]}\n')]]),
      message: 'scan app',
      author: { name: 't', email: 't@x', timestamp: 1_700_000_000 },
    });

    const before = await discoverRefs(transport, url, 'receive-pack');
    expect(before.refs.size).toBe(0);
    expect(before.capabilities.has('report-status')).toBe(true);
    const { pack } = parseBundle(concat((await createBundle(source)).chunks), 'push');
    const request = concat([pktLine(`${ZERO} ${tip} refs/heads/main\0report-status\n`), FLUSH, pack]);
    const status = parsePktLines(await postService(transport, url, 'receive-pack', request));
    expect(status).toEqual(['unpack ok\n', 'ok refs/heads/main\n', null]);
    expect((await git(bare, 'rev-parse', 'main')).trim()).toBe(tip);
    await fsckStrict(bare);

    const advertised = await discoverRefs(transport, url, 'upload-pack');
    expect(advertised.refs.get('refs/heads/main')).toBe(tip);
    const reply = await postService(transport, url, 'upload-pack', concat([pktLine(`want ${tip}\n`), FLUSH, pktLine('done\n')]));
    // Without side band the reply is "NAK" and then the pack itself.
    const at = new TextDecoder().decode(reply.subarray(0, 12)).indexOf('PACK');
    expect(parsePktLines(reply.subarray(0, at))).toEqual(['NAK\n']);
    const fetched = reply.subarray(at);
    const target = await newStore('target');
    await storePack(target, fetched, (await verifyPack(fetched, 'fetch')).objects, 'fetch', packLimits);
    await target.writeRef('refs/heads/main', tip);
    expect(new TextDecoder().decode(await target.readFile(tip, 'findings/n1/app/report.json'))).toBe('{"findings":[]}\n');
    await fsckStrict(target.dir);
  });

  it('reports an HTTP failure with its status for the caller to explain', async () => {
    await expect(discoverRefs(transport, `${server.url}/absent.git`, 'upload-pack')).rejects.toMatchObject({ code: 'REPO_INVALID', data: { httpStatus: 404 } });
  });
});
