/**
 * The signed files inside a kit must verify against the trust root that
 * will judge them once the kit is applied, exactly as `stella verify`
 * checks them (core/verify/signed-files.ts):
 *
 * - each feed manifest `feeds/<feed>/manifest.json` signed by a threshold of
 *   the root's `feeds` keys, every data file listed with its SHA-256 and
 *   nothing listed missing (OSV shards under `feeds/osv/shards/`, other
 *   feeds' data files directly in their folder, `README.md` ignored);
 * - every file the `policies` role signs — `policies/`, `vex/`,
 *   `exceptions/` (README.md aside) and `stella.yaml`, the list core/verify
 *   keeps (`signingRole`) — signed by a threshold of the `policies` keys in
 *   `<file>.jws`, and no such signature without its file.
 *
 * Checked before anything is applied, so a kit never leaves a repository
 * that fails `stella verify`; the export runs it too, so a kit its own mesh
 * would refuse is never written.
 *
 * @example
 *   const counts = await checkSignedFiles(digests, (path) => files.get(path), root, 'kit.tar');
 */
import { describeError, StellaError } from '../../core/errors.js';
import { parseManifest } from '../../core/feeds/manifest.js';
import { OSV_FEED_DIR, OSV_SHARD_DIR } from '../../core/feeds/osv/shard.js';
import { utf8Decode } from '../../core/sign/encoding.js';
import type { TrustRoot } from '../../core/trust/root.js';
import { SIGNATURE_SUFFIX, signingRole, verifyRoleJws } from '../../core/verify/signed-files.js';

const POLICIES_PREFIX = 'policies/';

/** Files the checks read the bytes of (the rest only by digest). */
export function isSignedFileInput(path: string): boolean {
  return signedByPolicies(path) || /^feeds\/[^/]+\/manifest\.json(\.jws)?$/.test(path);
}

/** True for a file the `policies` role signs, and for its `.jws`. */
function signedByPolicies(path: string): boolean {
  return signingRole(path.endsWith(SIGNATURE_SUFFIX) ? path.slice(0, -SIGNATURE_SUFFIX.length) : path) === 'policies';
}

/**
 * Checks feeds and the `policies` role's files among `digests` (path →
 * SHA-256 of every file); `read` returns the bytes of the files
 * {@link isSignedFileInput} names. Returns how many feed manifests, policy
 * files and other `policies`-signed files (VEX, exceptions, stella.yaml)
 * were checked; throws on the first problem, naming `where` and the file.
 */
export async function checkSignedFiles(
  digests: ReadonlyMap<string, string>,
  read: (path: string) => Promise<Uint8Array | undefined>,
  root: TrustRoot,
  where: string,
): Promise<{ feeds: number; policies: number; signedFiles: number }> {
  return { feeds: await checkFeeds(digests, read, root, where), ...(await checkPolicySigned(digests, read, root, where)) };
}

async function checkFeeds(digests: ReadonlyMap<string, string>, read: (path: string) => Promise<Uint8Array | undefined>, root: TrustRoot, where: string): Promise<number> {
  let checked = 0;
  for (const folder of feedFolders(digests.keys())) {
    const data = dataFiles(folder, digests.keys());
    const manifestPath = `${folder}/manifest.json`;
    const manifestBytes = await read(manifestPath);
    if (manifestBytes === undefined) {
      if (data.size > 0) throw new StellaError('VERIFY_FAILED', `${where}: ${folder} holds feed data but no manifest.json`);
      continue;
    }
    await signedBy(`${manifestPath}${SIGNATURE_SUFFIX}`, manifestBytes, read, root, 'feeds', where);
    const manifest = parseManifest(manifestBytes, `${where}: ${manifestPath}`);
    const listed = new Set(Object.keys(manifest.shards));
    for (const [key, path] of data) {
      const expected = Object.hasOwn(manifest.shards, key) ? manifest.shards[key] : undefined;
      listed.delete(key);
      if (expected === undefined) throw new StellaError('VERIFY_FAILED', `${where}: ${path} is not listed in its signed feed manifest`);
      const actual = digests.get(path) as string;
      if (actual !== expected.sha256) {
        throw new StellaError('DIGEST_MISMATCH', `${where}: ${path} has SHA-256 ${actual.slice(0, 12)}…, its feed manifest says ${expected.sha256.slice(0, 12)}…`);
      }
    }
    const missing = [...listed].sort()[0];
    if (missing !== undefined) throw new StellaError('VERIFY_FAILED', `${where}: ${folder}: '${missing}' is listed in its signed feed manifest but missing`);
    checked += 1;
  }
  return checked;
}

async function checkPolicySigned(
  digests: ReadonlyMap<string, string>,
  read: (path: string) => Promise<Uint8Array | undefined>,
  root: TrustRoot,
  where: string,
): Promise<{ policies: number; signedFiles: number }> {
  const counts = { policies: 0, signedFiles: 0 };
  const paths = [...digests.keys()].filter(signedByPolicies).sort();
  for (const path of paths) {
    if (path.endsWith(SIGNATURE_SUFFIX)) {
      if (!digests.has(path.slice(0, -SIGNATURE_SUFFIX.length))) throw new StellaError('VERIFY_FAILED', `${where}: ${path} signs a file the kit does not hold`);
      continue;
    }
    await signedBy(`${path}${SIGNATURE_SUFFIX}`, (await read(path)) as Uint8Array, read, root, 'policies', where);
    if (path.startsWith(POLICIES_PREFIX)) counts.policies += 1;
    else counts.signedFiles += 1;
  }
  return counts;
}

/** `signaturePath` holds a threshold of `role` signatures over `payload`. */
async function signedBy(
  signaturePath: string,
  payload: Uint8Array,
  read: (path: string) => Promise<Uint8Array | undefined>,
  root: TrustRoot,
  role: 'feeds' | 'policies',
  where: string,
): Promise<void> {
  const jws = await read(signaturePath);
  if (jws === undefined) throw new StellaError('SIGNATURE_INVALID', `${where}: ${signaturePath.slice(0, -SIGNATURE_SUFFIX.length)} is unsigned (no ${signaturePath.split('/').at(-1) as string})`);
  try {
    await verifyRoleJws(utf8Decode(jws, signaturePath), payload, root, role);
  } catch (error) {
    throw new StellaError('SIGNATURE_INVALID', `${where}: ${signaturePath}: ${describeError(error)}`, { cause: error });
  }
}

/** `feeds/<name>` for every folder directly under feeds/, sorted. */
function feedFolders(paths: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    if (parts[0] === 'feeds' && parts.length >= 3) out.add(`feeds/${parts[1] as string}`);
  }
  return [...out].sort();
}

/** The data files of a feed folder, keyed as its manifest lists them. */
function dataFiles(folder: string, paths: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const shardPrefix = `${OSV_SHARD_DIR}/`;
  for (const path of paths) {
    if (folder === OSV_FEED_DIR) {
      const name = path.startsWith(shardPrefix) ? path.slice(shardPrefix.length) : undefined;
      if (name !== undefined && !name.includes('/')) out.set(name.replace(/\.jsonl$/, ''), path);
      continue;
    }
    const name = path.startsWith(`${folder}/`) ? path.slice(folder.length + 1) : undefined;
    if (name !== undefined && !name.includes('/') && !name.startsWith('manifest.json') && name !== 'README.md') out.set(name, path);
  }
  return out;
}
