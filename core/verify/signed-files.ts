/**
 * Files signed by a role of the current trust root, each with a detached JWS
 * beside it (`<file>.jws`, one compact JWS per line, `kid` = key id):
 *
 * - feed manifests `feeds/<feed>/manifest.json`, role `feeds`, and then
 *   every data file of the feed against the manifest's SHA-256;
 * - every file under `policies/` (except README.md), role `policies`.
 *
 * A role with threshold N needs N lines signed by N distinct keys of the role.
 *
 * @example
 *   await verifyFeeds(store, tip, 'main', trust, result);
 *   await verifyPolicies(store, tip, 'main', trust, result);
 */
import { describeError, StellaError } from '../errors.js';
import { parseManifest } from '../feeds/manifest.js';
import { OSV_FEED_DIR, OSV_SHARD_DIR } from '../feeds/osv/shard.js';
import { sha256Hex } from '../sign/encoding.js';
import { verifyDetachedJws } from '../sign/jws.js';
import type { GitStore } from '../git/git-store.js';
import { roleThreshold, trustedKeyLookup } from '../trust/lookup.js';
import type { TrustRoot } from '../trust/root.js';
import type { TrustState } from './trust-state.js';
import type { VerifyResult } from './types.js';

const SIGNATURE_SUFFIX = '.jws';
const POLICIES_DIR = 'policies';

/**
 * Checks that `jwsText` holds signatures over `payload` by a threshold of
 * `role`'s keys in `root`. Throws SIGNATURE_INVALID saying what is missing.
 * @example await verifyRoleJws(jwsText, manifestBytes, root, 'feeds');
 */
export async function verifyRoleJws(jwsText: string, payload: Uint8Array, root: TrustRoot, role: 'feeds' | 'policies'): Promise<void> {
  const lines = jwsText.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const version = root.signed.version;
  if (lines.length === 0) throw new StellaError('SIGNATURE_INVALID', 'the signature file holds no JWS');
  const trusted = trustedKeyLookup(root, role);
  const valid = new Set<string>();
  let firstProblem: unknown;
  for (const line of lines) {
    let untrusted: string | undefined;
    const lookup = (kid: string): string | undefined => {
      const pem = trusted(kid);
      if (pem === undefined) untrusted = kid;
      return pem;
    };
    try {
      valid.add((await verifyDetachedJws(line, payload, lookup)).kid);
    } catch (error) {
      firstProblem ??=
        untrusted === undefined ? error : new StellaError('SIGNATURE_INVALID', `signed by key ${untrusted.slice(0, 12)}…, which does not hold the ${role} role in trust root version ${version}`);
    }
  }
  const threshold = roleThreshold(root, role);
  if (valid.size >= threshold) return;
  if (valid.size === 0) throw firstProblem;
  throw new StellaError('SIGNATURE_INVALID', `${valid.size} valid ${role} signature${valid.size === 1 ? '' : 's'}, but trust root version ${version} requires ${threshold}`);
}

/**
 * Every feed folder (`feeds/<feed>/`) with a manifest: OSV shards, KEV, EPSS.
 * @example await verifyFeeds(store, mainTip, 'main', trust, result);
 */
export async function verifyFeeds(store: GitStore, commit: string, branch: string, trust: TrustState, result: VerifyResult): Promise<void> {
  for (const feed of await store.listFolder(commit, 'feeds')) {
    if (feed.type === 'tree') await verifyFeedManifest(store, commit, branch, `feeds/${feed.path}`, trust, result);
  }
}

/**
 * Every policy file under policies/ (README.md aside), against its `.jws`.
 * @example await verifyPolicies(store, mainTip, 'main', trust, result);
 */
export async function verifyPolicies(store: GitStore, commit: string, branch: string, trust: TrustState, result: VerifyResult): Promise<void> {
  const files = await store.walkFiles(commit, POLICIES_DIR);
  const paths = new Set(files.map((f) => f.path));
  for (const file of files) {
    const where = `${branch}:${file.path}`;
    if (file.path.endsWith(SIGNATURE_SUFFIX)) {
      if (!paths.has(file.path.slice(0, -SIGNATURE_SUFFIX.length))) result.failures.push({ where, reason: 'signature of a file that is not there' });
      continue;
    }
    if (file.path.split('/').at(-1) === 'README.md') continue;
    result.policies += 1;
    if (trust.expired !== undefined) {
      result.failures.push({ where, reason: trust.expired });
      continue;
    }
    const jws = await store.readFile(commit, `${file.path}${SIGNATURE_SUFFIX}`);
    if (jws === undefined) {
      result.failures.push({ where, reason: `unsigned: ${file.path.split('/').at(-1) as string}${SIGNATURE_SUFFIX} is missing` });
      continue;
    }
    try {
      await verifyRoleJws(new TextDecoder().decode(jws), await store.readBlob(file.oid), trust.current, 'policies');
    } catch (error) {
      result.failures.push({ where, reason: describeError(error) });
    }
  }
}

/** The data files of a feed folder, keyed as its manifest lists them. */
async function feedFiles(store: GitStore, commit: string, folder: string): Promise<Map<string, { path: string; oid: string }>> {
  const out = new Map<string, { path: string; oid: string }>();
  if (folder === OSV_FEED_DIR) {
    for (const entry of await store.listFolder(commit, OSV_SHARD_DIR)) {
      out.set(entry.path.replace(/\.jsonl$/, ''), { path: `${OSV_SHARD_DIR}/${entry.path}`, oid: entry.oid });
    }
    return out;
  }
  for (const entry of await store.listFolder(commit, folder)) {
    if (entry.type === 'blob' && !entry.path.startsWith('manifest.json') && entry.path !== 'README.md') out.set(entry.path, { path: `${folder}/${entry.path}`, oid: entry.oid });
  }
  return out;
}

async function verifyFeedManifest(store: GitStore, commit: string, branch: string, folder: string, trust: TrustState, result: VerifyResult): Promise<void> {
  const manifestPath = `${folder}/manifest.json`;
  const manifestBytes = await store.readFile(commit, manifestPath);
  const files = await feedFiles(store, commit, folder);
  if (manifestBytes === undefined) {
    if (files.size > 0) result.failures.push({ where: `${branch}:${folder}`, reason: 'feed data present without a manifest' });
    return;
  }
  result.manifests += 1;
  const where = `${branch}:${manifestPath}`;
  if (trust.expired !== undefined) {
    result.failures.push({ where, reason: trust.expired });
    return;
  }
  const jws = await store.readFile(commit, `${manifestPath}${SIGNATURE_SUFFIX}`);
  if (jws === undefined) {
    result.failures.push({ where, reason: `unsigned: manifest.json${SIGNATURE_SUFFIX} is missing` });
    return;
  }
  let manifest;
  try {
    await verifyRoleJws(new TextDecoder().decode(jws), manifestBytes, trust.current, 'feeds');
    manifest = parseManifest(manifestBytes, manifestPath);
  } catch (error) {
    result.failures.push({ where, reason: describeError(error) });
    return;
  }
  const listed = new Set(Object.keys(manifest.shards));
  for (const [key, file] of files) {
    const expected = manifest.shards[key];
    listed.delete(key);
    if (expected === undefined) {
      result.failures.push({ where: `${branch}:${file.path}`, reason: 'not listed in the signed manifest' });
      continue;
    }
    const actual = await sha256Hex(await store.readBlob(file.oid));
    if (actual !== expected.sha256) result.failures.push({ where: `${branch}:${file.path}`, reason: `SHA-256 ${actual.slice(0, 12)}… differs from the manifest's ${expected.sha256.slice(0, 12)}…` });
  }
  for (const key of listed) result.failures.push({ where: `${branch}:${folder}/${key}`, reason: 'listed in the signed manifest but missing' });
}
