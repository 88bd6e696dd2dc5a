/**
 * Signs a kit manifest. ECDSA signatures are randomised, so signing the same
 * manifest twice gives two different JWS — and two different kits for the
 * same repository state. A signature is therefore kept in the clone's cache
 * (`.git/stella/kit-signatures/`) by key and manifest digest, and reused
 * when the same key signs the same bytes again, after checking that it
 * still verifies: exporting the same ref twice gives byte-identical kits.
 *
 * @example
 *   const jws = await signKitManifest(manifestBytes, key, repo.cacheDir);
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signDetachedJws, verifyDetachedJws } from '../../core/sign/jws.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { writeFileAtomically } from '../fs/atomic-write.js';

const CACHE_FOLDER = 'kit-signatures';

/** The compact detached JWS over `manifest` by `key`, reused from `cacheDir` when one is there. */
export async function signKitManifest(manifest: Uint8Array, key: SigningKey, cacheDir: string): Promise<string> {
  const folder = join(cacheDir, CACHE_FOLDER);
  const file = join(folder, `${key.keyId}-${createHash('sha256').update(manifest).digest('hex')}.jws`);
  const cached = await readFile(file, 'utf8').catch(() => undefined);
  if (cached !== undefined) {
    const jws = cached.trim();
    const valid = await verifyDetachedJws(jws, manifest, new Map([[key.keyId, key.publicKeyPem]])).then(
      () => true,
      () => false,
    );
    if (valid) return jws;
  }
  const jws = await signDetachedJws(manifest, key);
  await mkdir(folder, { recursive: true });
  await writeFileAtomically(file, `${jws}\n`);
  return jws;
}
