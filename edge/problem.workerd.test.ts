/**
 * Every error the Worker answers is an RFC 9457 problem document, made by
 * `onError` in workerd: routing, body, input and signature refusals, a
 * misconfigured edge and an unexpected failure (whose detail names no
 * internals) — each logged as one JSON line without secrets.
 */
import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import app from './worker.js';

const origin = env.EDGE_ORIGIN;

async function expectProblem(response: Response, status: number, kind: string): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('Content-Type')).toBe('application/problem+json');
  const problem = await response.json<Record<string, unknown>>();
  expect(problem).toMatchObject({ type: `https://stella-mesh.dev/problems/${kind}`, status });
  expect(typeof problem['title']).toBe('string');
  expect(typeof problem['detail']).toBe('string');
  return problem;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('problem documents from onError', () => {
  it('answers an unknown route, malformed JSON, a body over the limit and a bad signature with their problems', async () => {
    await expectProblem(await SELF.fetch(`${origin}/v1/nowhere`), 404, 'not-found');
    await expectProblem(await SELF.fetch(`${origin}/v1/enroll`, { method: 'POST', body: '{"token": ' }), 400, 'malformed-json');
    await expectProblem(await SELF.fetch(`${origin}/v1/enroll`, { method: 'POST', body: '[1]' }), 400, 'malformed-json');
    await expectProblem(await SELF.fetch(`${origin}/v1/enroll`, { method: 'POST', body: 'x'.repeat(20_000) }), 413, 'body-too-large');
    const unsigned = await SELF.fetch(`${origin}/v1/verify`, { method: 'POST', body: JSON.stringify({ bundle: { mediaType: 'nope' }, publicKeys: {} }) });
    expect(await expectProblem(unsigned, 422, 'signature-invalid')).toMatchObject({ code: 'SIGNATURE_INVALID' });
    await expectProblem(await SELF.fetch(`${origin}/v1/verify`, { method: 'POST', body: JSON.stringify({ bundle: {} }) }), 400, 'invalid-request');
  });

  it('logs one line per refusal, naming what and where but never the secret tried', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const tried = 'a-wrong-admin-secret-of-some-length';
    const refused = await SELF.fetch(`${origin}/v1/admin/enrollment-tokens`, { method: 'POST', headers: { Authorization: `Bearer ${tried}` }, body: '{"node":"n"}' });
    const problem = await expectProblem(refused, 401, 'admin-unauthorized');
    expect(refused.headers.get('WWW-Authenticate')).toBe('Bearer realm="stella-edge-admin"');
    const lines = log.mock.calls.map((call) => String(call[0]));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual({ level: 'warn', problem: 'admin-unauthorized', status: 401, method: 'POST', path: '/v1/admin/enrollment-tokens', detail: problem['detail'] });
    expect(lines.join('\n')).not.toContain(tried);
    expect(lines.join('\n')).not.toContain(env.ADMIN_SECRET);
  });

  it('says the edge is misconfigured when a secret is unusable, and hides the cause of an unexpected failure', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const misconfigured = await app.request('/.well-known/jwks.json', {}, { ...env, TOKEN_SIGNING_KEY: '{"kty":"oct"}' });
    expect(await expectProblem(misconfigured, 500, 'edge-misconfigured')).toMatchObject({ detail: expect.stringContaining('TOKEN_SIGNING_KEY') });
    // No KV binding: a TypeError inside a route; the client learns nothing of it.
    const broken = await app.request('/.well-known/jwks.json', {}, { ...env, STELLA_KV: undefined });
    const problem = await expectProblem(broken, 500, 'internal');
    expect(problem['detail']).toBe('the edge failed; the operator finds the cause in its log');
    expect(log.mock.calls.map((call) => JSON.parse(String(call[0])) as { level: string; problem: string })).toMatchObject([
      { level: 'error', problem: 'edge-misconfigured' },
      { level: 'error', problem: 'internal' },
    ]);
  });
});
