/**
 * The authority in the real Worker (bundled, in Miniflare, with KV and the
 * node Durable Object): enrollment, tokens, requireAgent and JWKS, and every
 * bad input the issue names refused with a problem document and nothing
 * recorded.
 */
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAssertion, dpopProof, newDpopKey, publicJwkOf } from '../../core/auth/client-proofs.js';
import { adminCreateToken, edgeKid, enroll, enrolledNode, forgeAccessToken, hs256Jwt, newNodeKey, unsignedJwt, whoami, type TestNode } from '../test-support/edge-client.test-helper.js';
import { newSigningKey, startLocalEdge, type LocalEdge } from '../test-support/miniflare.test-helper.js';

let edge: LocalEdge;

beforeAll(async () => {
  edge = await startLocalEdge();
});
afterAll(async () => {
  await edge?.close();
});

async function expectProblem(response: Response, status: number, kind: string): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('Content-Type')).toBe('application/problem+json');
  const problem = (await response.json()) as Record<string, unknown>;
  expect(problem).toMatchObject({ type: `https://stella-mesh.dev/problems/${kind}`, status });
  expect(typeof problem['detail']).toBe('string');
  return problem;
}

async function registeredKey(node: string): Promise<unknown> {
  return (await edge.miniflare.getKVNamespace('STELLA_KV')).get(`node-key:${node}`, 'json');
}

describe('enrollment', () => {
  it('gives a one-time token to the admin only, and enrolls a key with it once', async () => {
    await expectProblem(await adminCreateToken(edge, { node: 'n-admin' }, 'wrong-secret-of-some-length'), 401, 'admin-unauthorized');
    const created = await adminCreateToken(edge, { node: 'n-once' });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const key = await newNodeKey();
    const first = await enroll(edge, token, key);
    expect(first.status).toBe(201);
    const body = (await first.json()) as { node: string; keyId: string; branch: string; status: string; kid: string };
    expect(body).toMatchObject({ node: 'n-once', keyId: key.keyId, branch: 'enroll/n-once', status: 'recorded' });
    expect(body.kid).toBe(await calculateJwkThumbprint(await publicJwkOf(key)));
    // Reused: refused, and the key registered first stays the node's key.
    const other = await newNodeKey();
    await expectProblem(await enroll(edge, token, other), 403, 'enrollment-token-invalid');
    expect(await registeredKey('n-once')).toMatchObject({ kid: body.kid });
  });

  it('refuses an expired token and records nothing', async () => {
    const token = 'stet_expired-token-for-test';
    const hash = createHash('sha256').update(token).digest('hex');
    await (await edge.miniflare.getKVNamespace('STELLA_KV')).put(`enroll-token:${hash}`, JSON.stringify({ node: 'n-expired', expiresAt: Date.now() - 1000 }));
    await expectProblem(await enroll(edge, token, await newNodeKey()), 403, 'enrollment-token-invalid');
    expect(await registeredKey('n-expired')).toBeNull();
  });

  it('refuses malformed JSON, a body over the limit, a private key and a bad node name', async () => {
    await expectProblem(await fetch(`${edge.url}/v1/enroll`, { method: 'POST', body: '{"token": ' }), 400, 'malformed-json');
    await expectProblem(await fetch(`${edge.url}/v1/admin/enrollment-tokens`, { method: 'POST', headers: { Authorization: `Bearer ${edge.secrets.ADMIN_SECRET}` }, body: 'nope' }), 400, 'malformed-json');
    await expectProblem(await adminCreateToken(edge, { node: '../x' }), 400, 'invalid-request');
    await expectProblem(await fetch(`${edge.url}/v1/enroll`, { method: 'POST', body: JSON.stringify({ token: 'x'.repeat(20_000) }) }), 413, 'body-too-large');
    const { token } = (await (await adminCreateToken(edge, { node: 'n-private' })).json()) as { token: string };
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const response = await fetch(`${edge.url}/v1/enroll`, { method: 'POST', body: JSON.stringify({ token, jwk: await exportJWK(privateKey) }) });
    await expectProblem(response, 400, 'invalid-key');
    expect(await registeredKey('n-private')).toBeNull();
  });
});

describe('tokens', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await enrolledNode(edge, 'edge-1');
  });

  it('issues a short-lived ES256 token bound to the DPoP key, verifiable with the JWKS', async () => {
    const dpop = await newDpopKey();
    const response = await node.tokenRequest({ dpop });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(answer.token_type).toBe('DPoP');
    expect(answer.expires_in).toBeLessThanOrEqual(300);
    const header = decodeProtectedHeader(answer.access_token);
    const claims = decodeJwt(answer.access_token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: await edgeKid(edge) });
    expect(claims).toMatchObject({ iss: edge.url, aud: edge.url, sub: 'edge-1', cnf: { jkt: dpop.jkt } });
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(300);
    const jwks = (await (await fetch(`${edge.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(jwks.keys.every((k) => k.d === undefined && k.kty === 'EC')).toBe(true);
    // And it opens agent routes.
    const ok = await whoami(edge, answer.access_token, await dpopProof(dpop, { method: 'GET', url: `${edge.url}/v1/agent`, accessToken: answer.access_token }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ node: 'edge-1', jkt: dpop.jkt });
  });

  it('refuses a replayed client assertion', async () => {
    const assertion = await clientAssertion(node.key, { node: 'edge-1', tokenEndpoint: `${edge.url}/v1/token` });
    expect((await node.tokenRequest({ assertion })).status).toBe(200);
    await expectProblem(await node.tokenRequest({ assertion }), 401, 'invalid-client');
  });

  it('refuses assertions with a wrong audience, by another key, unsigned or HS256 with the public key as secret', async () => {
    const wrongAud = await clientAssertion(node.key, { node: 'edge-1', tokenEndpoint: `${edge.url}/v1/other` });
    await expectProblem(await node.tokenRequest({ assertion: wrongAud }), 401, 'invalid-client');
    const otherKey = await clientAssertion(await newNodeKey(), { node: 'edge-1', tokenEndpoint: `${edge.url}/v1/token` });
    await expectProblem(await node.tokenRequest({ assertion: otherKey }), 401, 'invalid-client');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'edge-1', sub: 'edge-1', aud: `${edge.url}/v1/token`, iat: now, exp: now + 60, jti: crypto.randomUUID() };
    await expectProblem(await node.tokenRequest({ assertion: unsignedJwt({}, claims) }), 401, 'invalid-client');
    await expectProblem(await node.tokenRequest({ assertion: await hs256Jwt({}, claims, node.key.publicKeyPem) }), 401, 'invalid-client');
    const unknown = await clientAssertion(await newNodeKey(), { node: 'never-enrolled', tokenEndpoint: `${edge.url}/v1/token` });
    await expectProblem(await node.tokenRequest({ assertion: unknown }), 401, 'invalid-client');
  });

  it('refuses a token request whose DPoP proof names another URL or is replayed', async () => {
    const dpop = await newDpopKey();
    const wrongUrl = await dpopProof(dpop, { method: 'POST', url: `${edge.url}/v1/enroll` });
    await expectProblem(await node.tokenRequest({ dpop, proof: wrongUrl }), 401, 'invalid-dpop-proof');
    const proof = await dpopProof(dpop, { method: 'POST', url: `${edge.url}/v1/token` });
    expect((await node.tokenRequest({ dpop, proof })).status).toBe(200);
    await expectProblem(await node.tokenRequest({ dpop, proof }), 400, 'invalid-dpop-proof');
  });
});

describe('requireAgent', () => {
  let node: TestNode;
  const url = () => `${edge.url}/v1/agent`;
  beforeAll(async () => {
    node = await enrolledNode(edge, 'edge-2');
  });

  it('refuses a replayed proof, and proofs for another method, URL or key, or too old', async () => {
    const { token, dpop } = await node.token();
    const proof = await dpopProof(dpop, { method: 'GET', url: url(), accessToken: token });
    expect((await whoami(edge, token, proof)).status).toBe(200);
    await expectProblem(await whoami(edge, token, proof), 401, 'invalid-dpop-proof');
    await expectProblem(await whoami(edge, token, await dpopProof(dpop, { method: 'POST', url: url(), accessToken: token })), 401, 'invalid-dpop-proof');
    await expectProblem(await whoami(edge, token, await dpopProof(dpop, { method: 'GET', url: `${edge.url}/v1/token`, accessToken: token })), 401, 'invalid-dpop-proof');
    await expectProblem(await whoami(edge, token, await dpopProof(await newDpopKey(), { method: 'GET', url: url(), accessToken: token })), 401, 'invalid-dpop-proof');
    await expectProblem(await whoami(edge, token, await dpopProof(dpop, { method: 'GET', url: url(), accessToken: token, now: Date.now() - 120_000 })), 401, 'invalid-dpop-proof');
    // ath: a proof made for another token.
    await expectProblem(await whoami(edge, token, await dpopProof(dpop, { method: 'GET', url: url(), accessToken: `${token}x` })), 401, 'invalid-dpop-proof');
    const problem = await expectProblem(await whoami(edge, token, proof, 'Bearer'), 401, 'invalid-token');
    expect(problem['error']).toBe('invalid_token');
  });

  it('refuses tokens: alg none, HS256 with the public key as secret, wrong aud or iss, expired, not yet valid, unknown kid', async () => {
    const dpop = await newDpopKey();
    const now = Math.floor(Date.now() / 1000);
    const good = { iss: edge.url, aud: edge.url, sub: 'edge-2', iat: now, exp: now + 300, cnf: { jkt: dpop.jkt } };
    const kid = await edgeKid(edge);
    const jwks = (await (await fetch(`${edge.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    const bad = [
      unsignedJwt({ typ: 'at+jwt', kid }, good),
      await hs256Jwt({ typ: 'at+jwt', kid }, good, JSON.stringify(jwks.keys[0])),
      await forgeAccessToken(edge, { ...good, aud: 'https://elsewhere.example' }),
      await forgeAccessToken(edge, { ...good, iss: 'https://elsewhere.example' }),
      await forgeAccessToken(edge, { ...good, iat: now - 1000, nbf: now - 1000, exp: now - 700 }),
      await forgeAccessToken(edge, { ...good, iat: now, nbf: now + 600, exp: now + 800 }),
      await forgeAccessToken(edge, good, { jwk: JSON.parse(await newSigningKey()) as JWK, kid: 'not-a-key-of-this-edge' }),
    ];
    // The control: the same forger with the good claims passes, so each refusal is about its one change.
    const control = await forgeAccessToken(edge, good);
    expect((await whoami(edge, control, await dpopProof(dpop, { method: 'GET', url: url(), accessToken: control }))).status).toBe(200);
    for (const token of bad) {
      await expectProblem(await whoami(edge, token, await dpopProof(dpop, { method: 'GET', url: url(), accessToken: token })), 401, 'invalid-token');
    }
  });
});

describe('signing key rotation', () => {
  it('keeps verifying tokens of the old key after rotation, until its grace period ends', async () => {
    const node = await enrolledNode(edge, 'edge-3');
    const before = await node.token();
    const oldKid = await edgeKid(edge);
    await edge.setSecrets({ TOKEN_SIGNING_KEY: await newSigningKey() });
    const fresh = await node.token();
    const jwks = (await (await fetch(`${edge.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([decodeProtectedHeader(fresh.token).kid, oldKid]);
    const proof = await dpopProof(before.dpop, { method: 'GET', url: `${edge.url}/v1/agent`, accessToken: before.token });
    expect((await whoami(edge, before.token, proof)).status).toBe(200);
    // Grace period over (as if 330 s had passed): the old key no longer verifies.
    const kv = await edge.miniflare.getKVNamespace('STELLA_KV');
    const record = (await kv.get('jwks:published', 'json')) as { current: JWK; retired: { jwk: JWK; verifyUntil: number }[] };
    await kv.put('jwks:published', JSON.stringify({ ...record, retired: record.retired.map((r) => ({ ...r, verifyUntil: Date.now() - 1 })) }));
    const late = await dpopProof(before.dpop, { method: 'GET', url: `${edge.url}/v1/agent`, accessToken: before.token });
    await expectProblem(await whoami(edge, before.token, late), 401, 'invalid-token');
  });
});
