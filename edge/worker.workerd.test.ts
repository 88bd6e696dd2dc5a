import { describe, expect, it } from 'vitest';
import { createBundle } from '../core/sign/bundle.js';
import { buildStatement } from '../core/sign/intoto.js';
import { generateKeyPair, signingKeyFromPair } from '../core/sign/keys.js';
import app from './worker.js';

describe('edge worker', () => {
  it('answers health checks', async () => {
    const response = await app.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('verifies a bundle signed by a given key and refuses one signed by another', async () => {
    const key = await signingKeyFromPair(await generateKeyPair());
    const other = await signingKeyFromPair(await generateKeyPair());
    const statement = buildStatement({ subjects: [{ name: 'report.json', sha256: 'a'.repeat(64) }], predicateType: 'https://example.invalid/t', predicate: {} });
    const bundle = await createBundle(statement, key);
    const ok = await app.request('/v1/verify', { method: 'POST', body: JSON.stringify({ bundle, publicKeys: { [key.keyId]: key.publicKeyPem } }) });
    expect(ok.status).toBe(200);
    const bad = await app.request('/v1/verify', { method: 'POST', body: JSON.stringify({ bundle, publicKeys: { [key.keyId]: other.publicKeyPem } }) });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ code: 'SIGNATURE_INVALID' });
    const junk = await app.request('/v1/verify', { method: 'POST', body: 'not json' });
    expect(junk.status).toBe(400);
  });
});
