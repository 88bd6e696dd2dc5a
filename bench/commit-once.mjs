// Commit cost in a state repository that already holds N reports: p50 of
// committing one more report (report.json, sbom, bundle under a new
// findings/<node>/<target>/), ours (GitStore) vs native git (add + commit)
// on an identical clone, in the same run.
// Usage: node bench/commit-once.mjs N  →  {reports, oursP50Ms, gitP50Ms, ratio}
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GitStore } from '../dist/core/git/git-store.js';
import { initRepository } from '../dist/core/git/work-index.js';

const run = promisify(execFile);
const N = Number(process.argv[2] ?? 1000);
const SAMPLES = 21;
const author = { name: 'bench', email: 'bench@example.invalid' };
const work = mkdtempSync(join(tmpdir(), 'stella-commit-'));
const report = (i) => new TextEncoder().encode(`{"schema":"stella.report/v1","target":"t${i}","findings":[\n{"id":"GHSA-${i}"}\n]}\n`);
const files = (node, i) => new Map([
  [`findings/${node}/target-${i}/report.json`, report(i)],
  [`findings/${node}/target-${i}/sbom.cdx.json`, new TextEncoder().encode(`{"bomFormat":"CycloneDX","n":${i}}\n`)],
  [`findings/${node}/target-${i}/report.sigstore.json`, new TextEncoder().encode(`{"sig":"${i}"}\n`)],
]);

try {
  const dir = join(work, 'ours');
  await initRepository({ fs, dir }, 'main');
  const store = new GitStore({ fs, dir });
  // The history: N reports spread over 10 nodes, committed in batches.
  for (let start = 0; start < N; start += 1000) {
    const changes = new Map();
    for (let i = start; i < Math.min(N, start + 1000); i++) for (const [p, b] of files(`node-${i % 10}`, i)) changes.set(p, b);
    await store.commit({ branch: 'main', changes, message: `seed ${start}`, author });
  }
  await run('git', ['clone', '-q', dir, join(work, 'native')]);
  const native = join(work, 'native');
  await run('git', ['-C', native, 'config', 'user.name', 'bench']);
  await run('git', ['-C', native, 'config', 'user.email', 'bench@example.invalid']);
  await run('git', ['-C', native, 'status', '-s']); // warm the index as a user's clone would be

  const ours = [];
  const theirs = [];
  for (let k = 0; k < SAMPLES; k++) {
    const i = N + k;
    let t = performance.now();
    await store.commit({ branch: 'main', changes: files('node-new', i), message: `report ${i}`, author });
    ours.push(performance.now() - t);
    for (const [p, b] of files('node-new', i)) {
      mkdirSync(join(native, p, '..'), { recursive: true });
      writeFileSync(join(native, p), b);
    }
    t = performance.now();
    await run('git', ['-C', native, 'add', `findings/node-new/target-${i}`]);
    await run('git', ['-C', native, 'commit', '-q', '-m', `report ${i}`]);
    theirs.push(performance.now() - t);
  }
  const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(JSON.stringify({ reports: N, oursP50Ms: p50(ours), gitP50Ms: p50(theirs), ratio: p50(ours) / p50(theirs) }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
