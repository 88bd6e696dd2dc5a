/**
 * Feeds: every folder `feeds/<feed>/` holds `manifest.json`, signed by the
 * `feeds` role of the trust ref's current root (`manifest.json.jws`), and
 * exactly the data files the manifest lists, each with the manifest's
 * SHA-256 — OSV shards under `feeds/osv/shards/<shard>.jsonl`, every other
 * kind (KEV, EPSS, …) directly in its folder. Nothing else lives under
 * `feeds/` but README.md files: an unlisted file, a folder inside a feed, or
 * a file beside the feed folders fails.
 *
 * @example await verifyFeeds(store, tip, 'pr', trust, result, new Set());
 */
import { describeError } from '../errors.js';
import { parseManifest } from '../feeds/manifest.js';
import { OSV_FEED_DIR, OSV_SHARD_DIR } from '../feeds/osv/shard.js';
import { sha256Hex } from '../sign/encoding.js';
import type { GitStore } from '../git/git-store.js';
import { SIGNATURE_SUFFIX, verifyRoleJws } from './signed-files.js';
import type { TrustState } from './trust-state.js';
import type { VerifyResult } from './types.js';

const FEEDS_DIR = 'feeds';
const MANIFEST = 'manifest.json';
const README = 'README.md';
const SHARD_SUFFIX = '.jsonl';

/** A feed's data files keyed as its manifest lists them, and files that are no part of it. */
interface FeedLayout {
  data: Map<string, { path: string; oid: string }>;
  strays: string[];
}

/**
 * Every feed folder under `feeds/` at `commit`. `seen` skips a feed folder
 * (by tree id) already judged on another branch.
 * @example await verifyFeeds(store, mainTip, 'main', trust, result, new Set());
 */
export async function verifyFeeds(store: GitStore, commit: string, branch: string, trust: TrustState, result: VerifyResult, seen: Set<string>): Promise<void> {
  for (const entry of await store.listFolder(commit, FEEDS_DIR)) {
    const path = `${FEEDS_DIR}/${entry.path}`;
    if (entry.type !== 'tree') {
      if (entry.path !== README) result.failures.push({ where: `${branch}:${path}`, reason: 'not part of any feed: only feed folders live under feeds/' });
      continue;
    }
    if (seen.has(`${path}:${entry.oid}`)) continue;
    seen.add(`${path}:${entry.oid}`);
    await verifyFeed(store, commit, branch, path, trust, result);
  }
}

async function verifyFeed(store: GitStore, commit: string, branch: string, folder: string, trust: TrustState, result: VerifyResult): Promise<void> {
  const manifestPath = `${folder}/${MANIFEST}`;
  const manifestBytes = await store.readFile(commit, manifestPath);
  const { data, strays } = await feedLayout(store, commit, folder);
  for (const stray of strays) result.failures.push({ where: `${branch}:${stray}`, reason: 'not listed in the signed manifest (a feed folder holds only its manifest and the files it lists)' });
  if (manifestBytes === undefined) {
    if (data.size > 0) result.failures.push({ where: `${branch}:${folder}`, reason: 'feed data present without a manifest' });
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
    result.failures.push({ where, reason: `unsigned: ${MANIFEST}${SIGNATURE_SUFFIX} is missing` });
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
  for (const [key, file] of data) {
    const expected = Object.hasOwn(manifest.shards, key) ? manifest.shards[key] : undefined;
    listed.delete(key);
    if (expected === undefined) {
      result.failures.push({ where: `${branch}:${file.path}`, reason: 'not listed in the signed manifest' });
      continue;
    }
    const actual = await sha256Hex(await store.readBlob(file.oid));
    if (actual !== expected.sha256) result.failures.push({ where: `${branch}:${file.path}`, reason: `SHA-256 ${actual.slice(0, 12)}… differs from the manifest's ${expected.sha256.slice(0, 12)}…` });
  }
  for (const key of [...listed].sort()) result.failures.push({ where: `${branch}:${folder}/${key}`, reason: 'listed in the signed manifest but missing' });
}

/** Sorts a feed folder's entries into data files (as the manifest keys them) and strays. */
async function feedLayout(store: GitStore, commit: string, folder: string): Promise<FeedLayout> {
  const data = new Map<string, { path: string; oid: string }>();
  const strays: string[] = [];
  const osv = folder === OSV_FEED_DIR;
  for (const entry of await store.listFolder(commit, folder)) {
    const path = `${folder}/${entry.path}`;
    if (entry.type === 'blob' && (entry.path === MANIFEST || entry.path === `${MANIFEST}${SIGNATURE_SUFFIX}` || entry.path === README)) continue;
    if (osv && path === OSV_SHARD_DIR && entry.type === 'tree') continue;
    if (!osv && entry.type === 'blob') data.set(entry.path, { path, oid: entry.oid });
    else strays.push(path);
  }
  if (osv) {
    for (const entry of await store.listFolder(commit, OSV_SHARD_DIR)) {
      const path = `${OSV_SHARD_DIR}/${entry.path}`;
      if (entry.type === 'blob' && entry.path.endsWith(SHARD_SUFFIX)) data.set(entry.path.slice(0, -SHARD_SUFFIX.length), { path, oid: entry.oid });
      else strays.push(path);
    }
  }
  return { data, strays };
}
