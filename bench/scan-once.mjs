// One cold scan in a fresh process: prints {ms, rssMB, components, findings} as JSON.
// Usage: node bench/scan-once.mjs REPO TARGET
import { openStateRepo } from '../dist/agent/repo/state-repo.js';
import { scanTarget } from '../dist/agent/scan/scan.js';

const [repoDir, target] = process.argv.slice(2);
const repo = repoDir === '-' ? undefined : await openStateRepo(repoDir);
const started = performance.now();
const { report } = await scanTarget(target, repo === undefined ? {} : { repo });
const ms = performance.now() - started;
const rssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ ms, rssMB, components: report.summary.components, findings: report.summary.findings }));
