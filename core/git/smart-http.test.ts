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
import { storePack } from './pack-store.js';
import { concat, FLUSH, parsePktLines, pktLine } from './pkt-line.js';
import { fetchPack } from './fetch-pack.js';
import { buildPack, sendPack } from './send-pack.js';
import { discoverRefs, postService, type Endpoint, type Transport } from './smart-http.js';
import { newObjects } from './tree-diff.js';
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
    await storePack(target, fetched, 'fetch', packLimits);
    await target.writeRef('refs/heads/main', tip);
    expect(new TextDecoder().decode(await target.readFile(tip, 'findings/n1/app/report.json'))).toBe('{"findings":[]}\n');
    await fsckStrict(target.dir);
  });

  it('sendPack and fetchPack: a first push, a thin second push, and fetches of both into another repository', async () => {
    const bare = await server.createBare('core.git');
    const endpoint: Endpoint = { transport, url: `${server.url}/core.git`, agent: 'stella-mesh/test' };
    const source = await newStore('core-source');
    const target = await newStore('core-target');
    const report = (n: number): Uint8Array => new TextEncoder().encode(Array.from({ length: 200 }, (_, i) => `finding ${i} of scan ${i < 199 ? 0 : n}\n`).join(''));
    const author = { name: 't', email: 't@x', timestamp: 1_700_000_000 };
    const first = await source.commit({ branch: 'main', changes: new Map([['findings/n1/app/report.json', report(1)]]), message: 'one', author });
    const second = await source.commit({ branch: 'main', changes: new Map([['findings/n1/app/report.json', report(2)]]), message: 'two', author });
    const [tree1, tree2] = [await source.treeOf(first.oid), await source.treeOf(second.oid)];

    const push = async (from: string, to: string, objects: { oid: string; base?: string }[]): Promise<void> => {
      const { capabilities } = await discoverRefs(transport, endpoint.url, 'receive-pack');
      const pack = await buildPack(source, objects, capabilities);
      expect(await sendPack(endpoint, { ref: 'refs/heads/main', oldOid: from, newOid: to }, pack, capabilities)).toMatchObject({ status: 'ok' });
    };
    const fetchInto = async (want: string, haves: string[]): Promise<void> => {
      const { capabilities } = await discoverRefs(transport, endpoint.url, 'upload-pack');
      await fetchPack(endpoint, target, { want, haves, capabilities, limits: packLimits, where: 'core.git main' });
      await target.writeRef('refs/heads/main', want);
      await fsckStrict(target.dir);
    };
    await push(ZERO, first.oid, [{ oid: first.oid }, ...(await newObjects(source, undefined, tree1))]);
    await fetchInto(first.oid, []);
    // The second push sends the changed report as a delta against the first (a thin pack).
    await push(first.oid, second.oid, [{ oid: second.oid }, ...(await newObjects(source, tree1, tree2))]);
    expect((await git(bare, 'rev-parse', 'main')).trim()).toBe(second.oid);
    await fsckStrict(bare);
    await fetchInto(second.oid, [first.oid]);
    expect(await target.readFile(second.oid, 'findings/n1/app/report.json')).toEqual(report(2));
  });

  it('reports an HTTP failure with its status for the caller to explain', async () => {
    await expect(discoverRefs(transport, `${server.url}/absent.git`, 'upload-pack')).rejects.toMatchObject({ code: 'REPO_INVALID', data: { httpStatus: 404 } });
  });
});
