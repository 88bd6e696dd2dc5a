// One scan with the scan cache, in a fresh process: prints {ms, rssMB, components, layerHits, layerMisses, imageHits}.
// Usage: node bench/cache-once.mjs REPO TARGET CACHE_DIR   (REPO '-' for none)
import { ScanCache } from '../dist/agent/cache/scan-cache.js';
import { openStateRepo } from '../dist/agent/repo/state-repo.js';
import { scanTarget } from '../dist/agent/scan/scan.js';

const [repoDir, target, cacheDir] = process.argv.slice(2);
const repo = repoDir === '-' ? undefined : await openStateRepo(repoDir);
const started = performance.now();
const cache = await ScanCache.open(cacheDir);
const { report } = await scanTarget(target, { ...(repo === undefined ? {} : { repo }), cache });
const stats = cache.stats();
await cache.close();
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, rssMB: process.resourceUsage().maxRSS / 1024, components: report.summary.components, ...stats }));
