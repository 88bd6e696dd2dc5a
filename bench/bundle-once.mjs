// Full bundle export of a 1,000-commit state repository: ours (`stella sync export`'s code, in
// process) against native `git bundle create --branches` of the same repository.
// Prints {oursMs, gitMs, ratio, …} as JSON; the times are medians of RUNS alternating runs,
// because the two compete for the same cores and one run of each is mostly noise.
// Usage: node bench/bundle-once.mjs [COMMITS]        (needs `npm run build`)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportBundle } from '../dist/agent/sync/export.js';
import { AGENT_IDENTITY, initStateRepo } from '../dist/agent/repo/state-repo.js';

const run = promisify(execFile);
const COMMITS = Number(process.argv[2] ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const work = mkdtempSync(join(tmpdir(), 'stella-bundle-bench-'));
try {
  const { repo } = await initStateRepo(join(work, 'state'), { node: 'bench', home: join(work, 'home') });
  const started = performance.now();
  for (let i = 0; i < COMMITS; i++) {
    const report = `${JSON.stringify({ scan: i, target: `app-${i % 10}`, findings: i % 7 })}\n`;
    await repo.store.commit({
      branch: 'main',
      changes: new Map([[`findings/bench/app-${i % 10}/report.json`, new TextEncoder().encode(report)]]),
      message: `scan ${i}`,
      author: { ...AGENT_IDENTITY, timestamp: 1_700_000_000 + i },
    });
  }
  const buildMs = performance.now() - started;

  const ours = [];
  const native = [];
  let summary;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    summary = await exportBundle(repo, { output: join(work, 'ours.bundle') });
    ours.push(performance.now() - t0);
    const t1 = performance.now();
    await run('git', ['bundle', 'create', '-q', join(work, 'git.bundle'), '--branches'], { cwd: repo.dir });
    native.push(performance.now() - t1);
  }
  const oursMs = median(ours);
  const gitMs = median(native);
  console.log(
    JSON.stringify({
      oursMs: Math.round(oursMs),
      gitMs: Math.round(gitMs),
      ratio: Number((oursMs / gitMs).toFixed(2)),
      commits: COMMITS,
      objects: summary.counts,
      oursBytes: summary.bytes,
      gitBytes: statSync(join(work, 'git.bundle')).size,
      buildMs: Math.round(buildMs),
      runs: RUNS,
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
