// One cold scan in a fresh process, through the real CLI (the bundle bin/stella.js runs, loaded
// as it loads it: with the code cache an earlier run left, unless STELLA_CODE_CACHE=off):
// `stella --repo REPO scan TARGET --format json`, run in this process so it can print
// {ms, rssMB, cpuMs, faults, components, findings} as JSON afterwards (cpuMs: user + system CPU
// of the whole process, every thread, start to exit; ms: the CLI's run, from parsing its
// arguments to the report written; faults: minor page faults, each a page the kernel had to
// map in). Usage: node bench/scan-once.mjs REPO TARGET   (REPO - for none)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [repoDir, target] = process.argv.slice(2);
const out = mkdtempSync(join(tmpdir(), 'stella-scan-once-'));
const started = performance.now();
const { loadBundledCli } = await import('../dist/agent/cli/bundle-loader.js');
const { run } = loadBundledCli(fileURLToPath(new URL('../dist/cli/stella.cjs', import.meta.url)));
const repoArgs = repoDir === '-' ? [] : ['--repo', repoDir];
const code = await run(['node', 'stella', ...repoArgs, '--quiet', 'scan', target, '--format', 'json', '--output', join(out, 'report.json')]);
const ms = performance.now() - started;
const usage = process.resourceUsage();
const { summary } = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
rmSync(out, { recursive: true, force: true });
if (code !== 0) throw new Error(`stella scan exited ${code}`);
console.log(JSON.stringify({ ms, rssMB: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, faults: usage.minorPageFault, components: summary.components, findings: summary.findings }));
