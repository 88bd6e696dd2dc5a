/**
 * Enrollment written to the state repository by the Worker itself: the
 * edge (in Miniflare) fetches main from a real `git http-backend` on
 * loopback, commits the pending trust root that adds the node's key on
 * `enroll/<node>` and pushes it. Native git then checks the repository
 * (`fsck --strict`) and reads the proposal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cliEnv, runStella } from '../../test/helpers/cli.js';
import { startGitHttpServer, type GitHttpServer } from '../../test/helpers/git-http-server.js';
import { fsckStrict, git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { adminCreateToken, enroll, newNodeKey } from '../test-support/edge-client.test-helper.js';
import { startLocalEdge, type LocalEdge } from '../test-support/miniflare.test-helper.js';

let server: GitHttpServer;
let state: TempRepo;
let bare: string;
let edge: LocalEdge;

beforeAll(async () => {
  server = await startGitHttpServer({ auth: { username: 'edge', password: 'git-secret' } });
  state = await tempRepo('root-node');
  bare = await server.createBare('state.git');
  await git(state.repo.dir, 'push', bare, 'main');
  edge = await startLocalEdge({ secrets: { GIT_REMOTE_URL: `${server.url}/state.git`, GIT_USERNAME: 'edge', GIT_PASSWORD: 'git-secret' } });
});
afterAll(async () => {
  await edge?.close();
  await server?.close();
  await state?.cleanup();
});

async function enrollNode(node: string): Promise<{ response: Response; keyId: string }> {
  const { token } = (await (await adminCreateToken(edge, { node })).json()) as { token: string };
  const key = await newNodeKey();
  return { response: await enroll(edge, token, key), keyId: key.keyId };
}

describe('enrollment committed by the Worker', () => {
  it('proposes the key on enroll/<node> as a pending trust root version, leaving main alone', async () => {
    const mainBefore = (await git(bare, 'rev-parse', 'main')).trim();
    const { response, keyId } = await enrollNode('edge-git');
    expect(response.status, await response.clone().text()).toBe(201);
    const body = (await response.json()) as { status: string; branch: string; commit: string; keyId: string; version: number };
    expect(body).toMatchObject({ status: 'proposed', branch: 'enroll/edge-git', keyId, version: 2 });
    expect((await git(bare, 'rev-parse', 'enroll/edge-git')).trim()).toBe(body.commit);
    expect((await git(bare, 'rev-parse', 'enroll/edge-git^')).trim()).toBe(mainBefore);
    expect((await git(bare, 'rev-parse', 'main')).trim()).toBe(mainBefore);
    const pending = JSON.parse(await git(bare, 'show', 'enroll/edge-git:trust/root.pending.json')) as { signed: { version: number; nodes: Record<string, { keyids: string[] }> }; signatures: unknown[] };
    expect(pending.signed.version).toBe(2);
    expect(pending.signed.nodes['edge-git']?.keyids).toEqual([keyId]);
    expect(pending.signatures).toEqual([]);
    expect(await git(bare, 'diff', '--name-only', 'main', 'enroll/edge-git')).toBe('trust/root.pending.json\n');
    expect(await git(bare, 'log', '-1', '--format=%an <%ae>', 'enroll/edge-git')).toBe('Stella edge <edge@stella.invalid>\n');
    await fsckStrict(bare);
    // A reviewer's clone: the proposal branch verifies against main's trust root.
    const clone = join(state.root, 'review');
    await git(state.root, 'clone', '--quiet', bare, clone);
    await git(clone, 'branch', 'enroll/edge-git', 'origin/enroll/edge-git');
    const verified = await runStella(['--repo', clone, 'verify', '--ref', 'enroll/edge-git'], { env: cliEnv(state.root), cwd: clone });
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('replaces the proposal when the node enrolls again with a new token and key', async () => {
    const first = (await git(bare, 'rev-parse', 'enroll/edge-git')).trim();
    const { response, keyId } = await enrollNode('edge-git');
    expect(response.status, await response.clone().text()).toBe(201);
    const pending = JSON.parse(await git(bare, 'show', 'enroll/edge-git:trust/root.pending.json')) as { signed: { nodes: Record<string, { keyids: string[] }> } };
    expect(pending.signed.nodes['edge-git']?.keyids).toEqual([keyId]);
    expect((await git(bare, 'rev-parse', 'enroll/edge-git')).trim()).not.toBe(first);
    await fsckStrict(bare);
  });

  it('commits and records nothing for a refused enrollment', async () => {
    const kv = await edge.miniflare.getKVNamespace('STELLA_KV');
    const registered = async () => (await kv.list({ prefix: 'node-key:' })).keys.map((k) => k.name);
    const refsBefore = await git(bare, 'for-each-ref');
    const keysBefore = await registered();
    expect(keysBefore).toContain('node-key:edge-git');
    const refused = await enroll(edge, 'stet_not-a-token', await newNodeKey());
    expect(refused.status).toBe(403);
    expect(await git(bare, 'for-each-ref')).toBe(refsBefore);
    expect(await registered()).toEqual(keysBefore);
  });

  it('keeps the enrollment in KV, saying why, when the state repository cannot be reached', async () => {
    const cut = await startLocalEdge({ secrets: { GIT_REMOTE_URL: `${server.url}/missing.git`, GIT_USERNAME: 'edge', GIT_PASSWORD: 'git-secret' } });
    try {
      const { token } = (await (await adminCreateToken(cut, { node: 'edge-cut' })).json()) as { token: string };
      const response = await enroll(cut, token, await newNodeKey());
      expect(response.status).toBe(201);
      const body = (await response.json()) as { status: string; note?: string };
      expect(body.status).toBe('recorded');
      expect(body.note).toMatch(/State repository unavailable/);
      expect(body.note).not.toContain(server.url);
      expect(await (await cut.miniflare.getKVNamespace('STELLA_KV')).get('enrollment:edge-cut', 'json')).toMatchObject({ status: 'recorded', note: body.note });
    } finally {
      await cut.close();
    }
  });
});
