/**
 * `stella verify`: checks everything signed in a state repository against
 * the trust roots on `main` — every report on every branch (signature by a
 * key enrolled for that node, statement subjects equal to the stored report
 * and SBOM), and every feed manifest (signature by a feed key, each shard's
 * SHA-256). Each failure names the file and the reason; nothing stops at the
 * first one.
 *
 * @example
 *   const result = await verifyRepository(store, { branches });
 *   if (result.failures.length > 0) process.exitCode = 1;
 */
import { describeError } from '../errors.js';
import { parseManifest } from '../feeds/manifest.js';
import { OSV_FEED_DIR, OSV_SHARD_DIR } from '../feeds/osv/shard.js';
import { BUNDLE_FILE, FINDINGS_DIR, REPORT_FILE, SBOM_FILE } from '../report/layout.js';
import { parseReport } from '../report/serialize.js';
import { verifyBundle } from '../sign/bundle.js';
import { sha256Hex } from '../sign/encoding.js';
import { verifyDetachedJws } from '../sign/jws.js';
import { keyId } from '../sign/keys.js';
import type { GitStore } from '../store/git-store.js';
import { parseSigners, publicKeyPath, signerFor, SIGNERS_PATH, type SignerRole, type Signers } from '../trust/signers.js';

export interface VerifyFailure {
  /** `branch:path` of the file that failed. */
  where: string;
  reason: string;
}

export interface VerifyResult {
  reports: number;
  manifests: number;
  failures: VerifyFailure[];
}

export interface VerifyOptions {
  /** Ref holding the trust roots and feeds (normally `main`; in a pull request's CI, the base branch). */
  main: string;
  /** Refs whose reports to check (main is always checked too). */
  branches: string[];
}

export async function verifyRepository(store: GitStore, options: VerifyOptions): Promise<VerifyResult> {
  const result: VerifyResult = { reports: 0, manifests: 0, failures: [] };
  const mainTip = await store.resolve(options.main);
  if (mainTip === undefined) {
    result.failures.push({ where: options.main, reason: 'ref not found' });
    return result;
  }
  const trust = await loadTrust(store, mainTip, options.main, result.failures);
  if (trust === undefined) return result;

  await verifyFeeds(store, mainTip, options.main, trust, result);
  const seen = new Set<string>();
  for (const branch of [...new Set([options.main, ...options.branches])].sort()) {
    const tip = await store.resolve(branch);
    if (tip === undefined) {
      result.failures.push({ where: branch, reason: 'ref not found' });
      continue;
    }
    for (const folder of await reportFolders(store, tip)) {
      const files = await store.listFolder(tip, folder);
      const key = files.map((f) => f.oid).join(',');
      if (seen.has(key)) continue; // the same report reached through another branch
      seen.add(key);
      result.reports += 1;
      await verifyReport(store, tip, branch, folder, trust, result.failures);
    }
  }
  return result;
}

interface Trust {
  signers: Signers;
  /** keyid → SPKI PEM, only for keys whose file hashes to its id. */
  keys: Map<string, string>;
}

async function loadTrust(store: GitStore, commit: string, branch: string, failures: VerifyFailure[]): Promise<Trust | undefined> {
  const bytes = await store.readFile(commit, SIGNERS_PATH);
  if (bytes === undefined) {
    failures.push({ where: `${branch}:${SIGNERS_PATH}`, reason: 'missing: no keys are trusted' });
    return undefined;
  }
  let signers: Signers;
  try {
    signers = parseSigners(bytes);
  } catch (error) {
    failures.push({ where: `${branch}:${SIGNERS_PATH}`, reason: describeError(error) });
    return undefined;
  }
  const keys = new Map<string, string>();
  for (const entry of signers.keys) {
    const path = publicKeyPath(entry.keyid);
    const pem = await store.readFile(commit, path);
    if (pem === undefined) {
      failures.push({ where: `${branch}:${path}`, reason: 'public key file missing' });
      continue;
    }
    const text = new TextDecoder().decode(pem);
    try {
      const actual = await keyId(text);
      if (actual !== entry.keyid) failures.push({ where: `${branch}:${path}`, reason: `holds key ${actual.slice(0, 12)}…, not the key its name says` });
      else keys.set(entry.keyid, text);
    } catch (error) {
      failures.push({ where: `${branch}:${path}`, reason: describeError(error) });
    }
  }
  return { signers, keys };
}

function lookupFor(trust: Trust, role: SignerRole, node?: string): (hint: string) => string | undefined {
  return (hint) => (signerFor(trust.signers, hint, role, node) === undefined ? undefined : trust.keys.get(hint));
}

/** Every feed folder (`feeds/<feed>/`) with a manifest: OSV shards, KEV, EPSS. */
async function verifyFeeds(store: GitStore, commit: string, branch: string, trust: Trust, result: VerifyResult): Promise<void> {
  for (const feed of await store.listFolder(commit, 'feeds')) {
    if (feed.type === 'tree') await verifyFeedManifest(store, commit, branch, `feeds/${feed.path}`, trust, result);
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

async function verifyFeedManifest(store: GitStore, commit: string, branch: string, folder: string, trust: Trust, result: VerifyResult): Promise<void> {
  const manifestPath = `${folder}/manifest.json`;
  const manifestBytes = await store.readFile(commit, manifestPath);
  const files = await feedFiles(store, commit, folder);
  if (manifestBytes === undefined) {
    if (files.size > 0) result.failures.push({ where: `${branch}:${folder}`, reason: 'feed data present without a manifest' });
    return;
  }
  result.manifests += 1;
  const where = `${branch}:${manifestPath}`;
  const jws = await store.readFile(commit, `${manifestPath}.jws`);
  if (jws === undefined) {
    result.failures.push({ where, reason: 'unsigned: manifest.json.jws is missing' });
    return;
  }
  try {
    await verifyDetachedJws(new TextDecoder().decode(jws).trim(), manifestBytes, lookupFor(trust, 'feeds'));
  } catch (error) {
    result.failures.push({ where, reason: describeError(error) });
    return;
  }
  let manifest;
  try {
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

/** Folders under findings/ that hold a report (findings/<node>/<target>). */
async function reportFolders(store: GitStore, commit: string): Promise<string[]> {
  const out: string[] = [];
  for (const node of await store.listFolder(commit, FINDINGS_DIR)) {
    if (node.type !== 'tree') continue;
    for (const target of await store.listFolder(commit, `${FINDINGS_DIR}/${node.path}`)) {
      if (target.type === 'tree') out.push(`${FINDINGS_DIR}/${node.path}/${target.path}`);
    }
  }
  return out.sort();
}

async function verifyReport(store: GitStore, commit: string, branch: string, folder: string, trust: Trust, failures: VerifyFailure[]): Promise<void> {
  const node = folder.split('/')[1] as string;
  const fail = (file: string, reason: string): void => {
    failures.push({ where: `${branch}:${folder}/${file}`, reason });
  };
  const [report, sbom, bundle] = await Promise.all([REPORT_FILE, SBOM_FILE, BUNDLE_FILE].map((file) => store.readFile(commit, `${folder}/${file}`)));
  if (report === undefined) return fail(REPORT_FILE, 'missing');
  if (bundle === undefined) return fail(BUNDLE_FILE, 'missing: the report is unsigned');
  let bundleJson: unknown;
  try {
    bundleJson = JSON.parse(new TextDecoder().decode(bundle));
  } catch (error) {
    return fail(BUNDLE_FILE, `not valid JSON (${(error as Error).message})`);
  }
  try {
    const statement = await verifyBundle(bundleJson, {
      publicKeys: lookupFor(trust, 'reports', node),
      artifact: { name: REPORT_FILE, sha256: await sha256Hex(report) },
    });
    if (sbom !== undefined) {
      const subject = statement.subject.find((s) => s.name === SBOM_FILE);
      const digest = await sha256Hex(sbom);
      if (subject === undefined) fail(SBOM_FILE, 'not covered by the signed statement');
      else if (subject.digest['sha256'] !== digest) fail(SBOM_FILE, `SHA-256 ${digest.slice(0, 12)}… differs from the signed statement`);
    }
    const predicateNode = (statement.predicate as { node?: unknown }).node;
    if (predicateNode !== node) fail(BUNDLE_FILE, `signed for node '${String(predicateNode)}' but stored under findings/${node}`);
    parseReport(new TextDecoder().decode(report), `${folder}/${REPORT_FILE}`);
  } catch (error) {
    fail(REPORT_FILE, describeError(error));
  }
}
