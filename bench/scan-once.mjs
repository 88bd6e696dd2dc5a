// One cold scan in a fresh process: prints {ms, rssMB, cpuMs, components, findings} as JSON
// (cpuMs: user + system CPU of the whole process, every thread, start to exit).
// Usage: node bench/scan-once.mjs REPO TARGET   (REPO - for no state repository)
// The scan starts before the state repository is open (its modules load and it opens while
// the layers inflate), as scanTarget allows; `ms` runs from the scanTarget call to its end.
const [repoDir, target] = process.argv.slice(2);
const { scanTarget } = await import('../dist/agent/scan/scan.js');
const repo = repoDir === '-' ? undefined : import('../dist/agent/repo/state-repo.js').then(({ openStateRepo }) => openStateRepo(repoDir));
const started = performance.now();
const { report } = await scanTarget(target, repo === undefined ? {} : { repo });
const ms = performance.now() - started;
const usage = process.resourceUsage();
const rssMB = usage.maxRSS / 1024;
const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
console.log(JSON.stringify({ ms, rssMB, cpuMs, components: report.summary.components, findings: report.summary.findings }));
