/**
 * Trust roots outside Git history — one carried in an update kit, or read
 * from a single tree — and the TUF client rule for moving from a trusted
 * root to newer ones: each step one version up, signed by both versions'
 * root thresholds, the last one unexpired.
 *
 * @example
 *   const mine = await currentTrustRoot(store, 'main');                 // core/verify: the whole chain
 *   const theirs = await readTrustRoot((p) => kit.read(p), 'kit.tar');    // structure and key ids only
 *   const root = await updateTrustRoot(mine, [theirs], new Date());      // mine, or a valid successor
 */
import { StellaError } from '../errors.js';
import { parseRoot, ROOT_PATH, signedBytes, type TrustRoot } from './root.js';
import { assertNotExpired, checkKeyIds, verifySuccessor } from './rules.js';

/**
 * Reads `trust/root.json` through `read` and checks its structure and key
 * ids — not its signatures, which only mean something against the root a
 * reader already trusts (`updateTrustRoot`). Throws REPO_INVALID.
 * @example const root = await readTrustRoot((path) => store.readFile(tip, path), 'main');
 */
export async function readTrustRoot(read: (path: string) => Promise<Uint8Array | undefined>, where: string): Promise<TrustRoot> {
  const bytes = await read(ROOT_PATH);
  if (bytes === undefined) throw new StellaError('REPO_INVALID', `${where}: ${ROOT_PATH} is missing, so no key is trusted`);
  const root = parseRoot(bytes, `${where}:${ROOT_PATH}`);
  await checkKeyIds(root.signed, `${where}:${ROOT_PATH}`);
  return root;
}

/**
 * From `trusted`, follows `newer` (any order; versions not above `trusted`
 * must equal the trusted one's content) one version at a time and returns
 * the last root reached. Throws SIGNATURE_INVALID / REPO_INVALID when a
 * step is missing or does not verify, VERIFY_FAILED when the result expired.
 * @example await updateTrustRoot(current, [kitRoot], new Date())
 */
export async function updateTrustRoot(trusted: TrustRoot, newer: readonly TrustRoot[], now: Date, where = ROOT_PATH): Promise<TrustRoot> {
  let root = trusted;
  const byVersion = new Map<number, TrustRoot>();
  for (const candidate of newer) {
    const version = candidate.signed.version;
    if (version <= trusted.signed.version) {
      if (version === trusted.signed.version && !sameBytes(signedBytes(candidate.signed), signedBytes(trusted.signed))) {
        throw new StellaError('REPO_INVALID', `${where}: a different trust root version ${version} than the trusted one: the trust root forked`);
      }
      if (version < trusted.signed.version) throw new StellaError('REPO_INVALID', `${where}: trust root version ${version} is older than the trusted version ${trusted.signed.version}`);
      continue;
    }
    byVersion.set(version, candidate);
  }
  for (let version = trusted.signed.version + 1; byVersion.size > 0; version++) {
    const next = byVersion.get(version);
    if (next === undefined) throw new StellaError('REPO_INVALID', `${where}: trust root version ${version} is missing between ${version - 1} and ${Math.max(...byVersion.keys())}`);
    await verifySuccessor(root, next, where);
    byVersion.delete(version);
    root = next;
  }
  assertNotExpired(root, now, where);
  return root;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
