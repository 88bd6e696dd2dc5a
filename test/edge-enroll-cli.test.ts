/**
 * The real `stella` CLI against the edge Worker in Miniflare: the operator
 * creates an enrollment token, the node enrolls with it (a key under
 * $STELLA_HOME/keys, the enrollment in $STELLA_HOME/edge.json), then the
 * agent's client gets a DPoP-bound token and is recognised on an agent
 * route; the spent token and a wrong admin secret are refused with the
 * edge's own words.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeClientConfig, edgeFetch } from '../agent/edge/client.js';
import { newSigningKey, startLocalEdge, type LocalEdge } from '../edge/test-support/miniflare.test-helper.js';
import { cliEnv, runStella } from './helpers/cli.js';

let edge: LocalEdge;
let root: string;

beforeAll(async () => {
  edge = await startLocalEdge();
  root = await mkdtemp(join(tmpdir(), 'stella-edge-cli-'));
});
afterAll(async () => {
  await edge?.close();
  await rm(root, { recursive: true, force: true });
});

describe('stella edge token create + stella agent enroll', () => {
  it('enrolls a node through the edge and gets tokens for it', async () => {
    const operator = cliEnv(join(root, 'operator'), { STELLA_EDGE_ADMIN_SECRET: edge.secrets.ADMIN_SECRET });
    const created = await runStella(['edge', 'token', 'create', '--node', 'edge-cli', '--edge', edge.url], { env: operator, cwd: root });
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^stet_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).not.toContain(token);

    const node = cliEnv(join(root, 'node'));
    const enrolled = await runStella(['agent', 'enroll', '--edge', edge.url, '--token', token], { env: node, cwd: root });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const [name, keyId] = enrolled.stdout.trim().split(' ');
    expect(name).toBe('edge-cli');
    const home = node['STELLA_HOME'] as string;
    expect(await readdir(join(home, 'keys'))).toContain(`${keyId as string}.pem`);
    expect(JSON.parse(await readFile(join(home, 'edge.json'), 'utf8'))).toMatchObject({ edge: edge.url, node: 'edge-cli', keyId });

    // The agent's client, as `stella push` through the edge uses it: several requests, one token.
    const send = edgeFetch(await edgeClientConfig(home));
    for (let i = 0; i < 3; i++) {
      const response = await send(`${edge.url}/v1/agent`);
      expect(response.status, await response.clone().text()).toBe(200);
      expect(await response.json()).toMatchObject({ node: 'edge-cli' });
    }

    // The edge rotates its signing key and the old one's grace period ends: the client gets a new token and goes on.
    await edge.setSecrets({ TOKEN_SIGNING_KEY: await newSigningKey() });
    await fetch(`${edge.url}/.well-known/jwks.json`);
    const kv = await edge.miniflare.getKVNamespace('STELLA_KV');
    const record = (await kv.get('jwks:published', 'json')) as { retired: { verifyUntil: number }[] };
    await kv.put('jwks:published', JSON.stringify({ ...record, retired: record.retired.map((r) => ({ ...r, verifyUntil: Date.now() - 1 })) }));
    const renewed = await send(`${edge.url}/v1/agent`);
    expect(renewed.status, await renewed.clone().text()).toBe(200);

    const again = await runStella(['agent', 'enroll', '--edge', edge.url, '--token', token], { env: cliEnv(join(root, 'node-2')), cwd: root });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('enrollment token');
  });

  it('refuses a wrong admin secret, and asks for one when none is set', async () => {
    const wrong = await runStella(['edge', 'token', 'create', '--node', 'x', '--edge', edge.url], { env: cliEnv(join(root, 'op-2'), { STELLA_EDGE_ADMIN_SECRET: 'not-the-secret-at-all' }), cwd: root });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('Admin secret refused');
    const none = await runStella(['edge', 'token', 'create', '--node', 'x', '--edge', edge.url], { env: cliEnv(join(root, 'op-3')), cwd: root });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('STELLA_EDGE_ADMIN_SECRET');
  });
});
