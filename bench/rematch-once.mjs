// Re-match of N cached SBOMs after a feed update, in a fresh process. Two real
// inventories (debian-node, debian-base) are scanned into a fresh cache and
// recorded as N targets, each with one component changed; then one advisory is imported (the feed update) and
// every target is re-matched from the cache. Prints {ms, targets, changed, importMs}.
// The advisory goes into a clone of REPO (removed afterwards): REPO itself is left as it was.
// Usage: node bench/rematch-once.mjs REPO HOME NODE_IMAGE BASE_IMAGE N CACHE_DIR
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCache } from '../dist/agent/cache/scan-cache.js';
import { importOsv } from '../dist/agent/feeds/import-osv.js';
import { loadKey } from '../dist/agent/repo/keystore.js';
import { openStateRepo } from '../dist/agent/repo/state-repo.js';
import { rematchCached } from '../dist/agent/scan/rematch.js';
import { scanTarget } from '../dist/agent/scan/scan.js';

const [givenRepo, home, nodeImage, baseImage, count, cacheDir] = process.argv.slice(2);
const repoDir = mkdtempSync(join(tmpdir(), 'stella-bench-repo-'));
execFileSync('git', ['clone', '--quiet', givenRepo, repoDir]);
// A clone does not carry the local settings that name this node and its signing key.
for (const name of ['stella.node', 'stella.signingkey']) {
  const value = execFileSync('git', ['-C', givenRepo, 'config', '--default', '', '--get', name], { encoding: 'utf8' }).trim();
  if (value !== '') execFileSync('git', ['-C', repoDir, 'config', name, value]);
}
const repo = await openStateRepo(repoDir);
const key = await loadKey(home, repo.signingKeyId);
const cache = await ScanCache.open(cacheDir);
await scanTarget(nodeImage, { repo, cache });
await scanTarget(baseImage, { repo, cache });
const records = [await cache.getTarget(nodeImage), await cache.getTarget(baseImage)];
const sboms = [await cache.getSbom(nodeImage), await cache.getSbom(baseImage)];
// Every copy differs from the others (one component at another version), as images built on a shared base do.
for (let i = 0; i < Number(count) - 2; i++) {
  const record = records[i % 2];
  const components = record.components.map((c, j) => {
    if (j !== (i * 7) % record.components.length) return c;
    const version = `${c.version}.${i}`;
    return { ...c, version, purl: c.purl.replace(`@${c.version}`, `@${version}`) };
  });
  await cache.putTarget(`bench-target-${String(i).padStart(3, '0')}`, { ...record, components, target: { ...record.target, name: `bench-target-${i}` } }, sboms[i % 2]);
}
const id = `BENCH-${Date.now()}`;
const advisory = {
  schema_version: '1.6.0',
  id,
  modified: new Date().toISOString(),
  summary: 'bench: a new advisory for a package in debian-node only',
  affected: [{ package: { ecosystem: 'npm', name: 'axios' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '99.0.0' }] }] }],
};
const folder = mkdtempSync(join(tmpdir(), 'stella-bench-adv-'));
const file = join(folder, `${id}.json`);
writeFileSync(file, JSON.stringify(advisory));
let started = performance.now();
await importOsv(repo, [file], { key });
rmSync(folder, { recursive: true, force: true });
const importMs = performance.now() - started;
started = performance.now();
const results = await rematchCached(cache, repo);
const ms = performance.now() - started;
await cache.close();
rmSync(repoDir, { recursive: true, force: true });
console.log(JSON.stringify({ ms, importMs, targets: results.length, changed: results.filter((r) => r.changed).length, rssMB: process.resourceUsage().maxRSS / 1024 }));
