/** Kit manifest signatures: reused for the same bytes and key, never reused when they no longer verify. */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDetachedJws } from '../../core/sign/jws.js';
import { generateKeyPair, signingKeyFromPair, type SigningKey } from '../../core/sign/keys.js';
import { signKitManifest } from './signature.js';

let dir: string;
let key: SigningKey;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-kit-sig-'));
  key = await signingKeyFromPair(await generateKeyPair());
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('signKitManifest', () => {
  const manifest = new TextEncoder().encode('{"type":"stella.kit-manifest"}\n');
  const keys = (): Map<string, string> => new Map([[key.keyId, key.publicKeyPem]]);

  it('signs once and gives the same JWS for the same manifest and key', async () => {
    const first = await signKitManifest(manifest, key, dir);
    await expect(verifyDetachedJws(first, manifest, keys())).resolves.toEqual({ kid: key.keyId });
    expect(await signKitManifest(manifest, key, dir)).toBe(first);
    expect(await signKitManifest(new TextEncoder().encode('{}\n'), key, dir)).not.toBe(first);
  });

  it('signs afresh when the cached signature no longer verifies', async () => {
    const first = await signKitManifest(manifest, key, dir);
    const cached = await readdir(join(dir, 'kit-signatures'));
    expect(cached.every((name) => name.startsWith(`${key.keyId}-`) && name.endsWith('.jws'))).toBe(true);
    for (const name of cached) await writeFile(join(dir, 'kit-signatures', name), 'eyJhbGciOiJFUzI1NiJ9..AAAA\n');
    const again = await signKitManifest(manifest, key, dir);
    expect(again).not.toBe(first);
    await expect(verifyDetachedJws(again, manifest, keys())).resolves.toEqual({ kid: key.keyId });
  });
});
