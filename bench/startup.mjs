// Start-up cost of the CLI: `stella --version` and `stella --help` against a
// bare `node -e 0`, each a fresh process, RUNS times interleaved so machine
// load hits all three alike; medians. Goal: within 0.15 s of bare Node.
// Run alone (`node bench/startup.mjs`) or from bench/run.mjs.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

async function wallMs(args) {
  const started = performance.now();
  await run(process.execPath, args);
  return performance.now() - started;
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Medians in ms of `node -e 0`, `stella --version` and `stella --help`. */
export async function measureStartup(runs) {
  const bin = join(root, 'bin', 'stella.js');
  const times = { node: [], version: [], help: [] };
  for (let i = 0; i < runs; i++) {
    times.node.push(await wallMs(['-e', '0']));
    times.version.push(await wallMs([bin, '--version']));
    times.help.push(await wallMs([bin, '--help']));
  }
  return { nodeMs: median(times.node), versionMs: median(times.version), helpMs: median(times.help) };
}

/** The bench lines, as printed by bench/run.mjs. */
export function startupLines({ nodeMs, versionMs, helpMs }) {
  const s = (ms) => `${(ms / 1000).toFixed(3)} s`;
  return [
    `stella --version ${s(versionMs)} ÷ node -e 0 ${s(nodeMs)}: ratio ${(versionMs / nodeMs).toFixed(2)}, +${s(versionMs - nodeMs)} (goal ≤ +0.150 s)`,
    `stella --help    ${s(helpMs)} ÷ node -e 0 ${s(nodeMs)}: ratio ${(helpMs / nodeMs).toFixed(2)}, +${s(helpMs - nodeMs)} (goal ≤ +0.150 s)`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of startupLines(await measureStartup(Number(process.env.BENCH_RUNS ?? 5)))) console.log(line);
}
