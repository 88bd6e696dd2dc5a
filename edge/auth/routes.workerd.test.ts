/**
 * The authority's routes in workerd, through the Worker's own fetch
 * (`SELF`, wrangler.toml's bindings, the test secrets): an operator's token,
 * an enrollment, a DPoP-bound access token, an agent route, and the JWKS —
 * with the refusals that need the real KV and Durable Object (a spent token,
 * a replayed proof).
 */
import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { clientAssertion, dpopProof, JWT_BEARER_ASSERTION, newDpopKey, publicJwkOf, type DpopKey } from '../../core/auth/client-proofs.js';
import { generateKeyPair, signingKeyFromPair, type SigningKey } from '../../core/sign/keys.js';

const origin = env.EDGE_ORIGIN;

async function enrollmentToken(node: string): Promise<string> {
  const response = await SELF.fetch(`${origin}/v1/admin/enrollment-tokens`, { method: 'POST', headers: { Authorization: `Bearer ${env.ADMIN_SECRET}` }, body: JSON.stringify({ node }) });
  expect(response.status).toBe(201);
  return (await response.json<{ token: string }>()).token;
}

async function enroll(token: string, key: SigningKey): Promise<Response> {
  return SELF.fetch(`${origin}/v1/enroll`, { method: 'POST', body: JSON.stringify({ token, jwk: await publicJwkOf(key) }) });
}

async function accessToken(node: string, key: SigningKey, dpop: DpopKey): Promise<Response> {
  const url = `${origin}/v1/token`;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await clientAssertion(key, { node, tokenEndpoint: url }) });
  return SELF.fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', DPoP: await dpopProof(dpop, { method: 'POST', url }) }, body: form });
}

describe('authority routes in workerd', () => {
  it('enrolls a node once, issues it a DPoP-bound token, and opens an agent route to a fresh proof only', async () => {
    const key = await signingKeyFromPair(await generateKeyPair());
    const token = await enrollmentToken('wd-node');
    const enrolled = await enroll(token, key);
    expect(enrolled.status).toBe(201);
    expect(await enrolled.json()).toMatchObject({ node: 'wd-node', status: 'recorded', keyId: key.keyId, branch: 'enroll/wd-node' });
    expect(await env.STELLA_KV.get('enrollment:wd-node', 'json')).toMatchObject({ node: 'wd-node', keyId: key.keyId });
    // Spent: a second enrollment with it is refused, and the first key stays registered.
    const again = await enroll(token, await signingKeyFromPair(await generateKeyPair()));
    expect(again.status).toBe(403);
    expect(await env.STELLA_KV.get<{ kid: string }>('node-key:wd-node', 'json')).toMatchObject({ kid: await calculateJwkThumbprint(await publicJwkOf(key)) });

    const dpop = await newDpopKey();
    const issued = await accessToken('wd-node', key, dpop);
    expect(issued.status).toBe(200);
    expect(issued.headers.get('Cache-Control')).toBe('no-store');
    const { access_token: at } = await issued.json<{ access_token: string }>();
    const agentUrl = `${origin}/v1/agent`;
    const proof = await dpopProof(dpop, { method: 'GET', url: agentUrl, accessToken: at });
    const ok = await SELF.fetch(agentUrl, { headers: { Authorization: `DPoP ${at}`, DPoP: proof } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ node: 'wd-node', jkt: dpop.jkt });
    const replayed = await SELF.fetch(agentUrl, { headers: { Authorization: `DPoP ${at}`, DPoP: proof } });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ type: 'https://stella-mesh.dev/problems/invalid-dpop-proof', error: 'invalid_dpop_proof' });
  });

  it('publishes the signing key in the JWKS: public members only, named by its thumbprint, the kid tokens carry', async () => {
    const key = await signingKeyFromPair(await generateKeyPair());
    expect((await enroll(await enrollmentToken('wd-jwks'), key)).status).toBe(201);
    const issued = await (await accessToken('wd-jwks', key, await newDpopKey())).json<{ access_token: string }>();
    const response = await SELF.fetch(`${origin}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=60');
    const { keys } = await response.json<{ keys: JWK[] }>();
    const secret = JSON.parse(env.TOKEN_SIGNING_KEY) as JWK;
    const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: secret.x, y: secret.y });
    expect(keys).toEqual([{ kty: 'EC', crv: 'P-256', x: secret.x, y: secret.y, kid, alg: 'ES256', use: 'sig' }]);
    expect(decodeProtectedHeader(issued.access_token).kid).toBe(kid);
    expect(JSON.stringify(keys)).not.toContain(secret.d);
  });
});
